/**
 * The synthetic dataset and its format: same seed → same bytes and sha256; the
 * cyxwiz-tabular@1 layout round-trips and refuses malformed files; the split is a
 * deterministic partition.
 */
import { expect } from "chai";

import {
  DATASET_HEADER_BYTES,
  DEMO_DATASET,
  generateDatasetBytes,
  generateMixture,
  parseDataset,
  serializeDataset,
  sha256Hex,
  splitRows,
  TrainerError,
} from "../src";
import { specWith } from "./fixtures";

function refusal(bytes: Uint8Array): TrainerError {
  try {
    parseDataset(bytes);
  } catch (error) {
    if (error instanceof TrainerError) return error;
    throw error;
  }
  return expect.fail("the dataset was accepted");
}

describe("trainer dataset: generation, format, split", () => {
  it("same seed → same bytes and sha256; another seed → other bytes", () => {
    const a = generateDatasetBytes(DEMO_DATASET);
    const b = generateDatasetBytes(DEMO_DATASET);
    expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(true);
    expect(sha256Hex(a)).to.equal(sha256Hex(b));
    const other = generateDatasetBytes({ ...DEMO_DATASET, seed: DEMO_DATASET.seed + 1 });
    expect(sha256Hex(other)).to.not.equal(sha256Hex(a));
  });

  it("the demo dataset is 3,000 × 8 in 3 balanced classes, 108,024 bytes (~100 KB)", () => {
    const bytes = generateDatasetBytes(DEMO_DATASET);
    expect(bytes.byteLength).to.equal(DATASET_HEADER_BYTES + 4 * 3_000 * 9);
    const data = parseDataset(bytes);
    expect(data).to.include({ samples: 3_000, features: 8, classes: 3 });
    const counts = [0, 0, 0];
    for (const label of data.y) counts[label]++;
    expect(counts).to.deep.equal([1_000, 1_000, 1_000]);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).to.equal("CYXT");
  });

  it("serialize → parse → serialize is the identity", () => {
    const data = generateMixture({ ...DEMO_DATASET, samples: 50 });
    const bytes = serializeDataset(data);
    const parsed = parseDataset(bytes);
    expect(Array.from(parsed.x)).to.deep.equal(Array.from(data.x));
    expect(Array.from(parsed.y)).to.deep.equal(Array.from(data.y));
    expect(Buffer.from(serializeDataset(parsed)).equals(Buffer.from(bytes))).to.equal(true);
  });

  it("refuses malformed files with DATASET_INVALID and the reason", () => {
    const good = generateDatasetBytes({ ...DEMO_DATASET, samples: 20 });
    const cases: Array<[string, (bytes: Uint8Array) => Uint8Array, RegExp]> = [
      ["short", (b) => b.subarray(0, 10), /shorter than the 24-byte header/],
      ["bad magic", (b) => (b.set([0x58], 0), b), /magic is "XYXT"/],
      ["version 2", (b) => (new DataView(b.buffer).setUint16(4, 2, true), b), /version 2 is not 1/],
      ["truncated", (b) => b.subarray(0, b.length - 4), /the file has/],
      ["one class", (b) => (new DataView(b.buffer).setUint32(16, 1, true), b), /classes must be 2 to 1024, got 1/],
      [
        "NaN feature",
        (b) => (new DataView(b.buffer).setFloat32(DATASET_HEADER_BYTES + 8, NaN, true), b),
        /feature value 2 \(sample 0\) is not finite/,
      ],
      [
        "label out of range",
        (b) => (new DataView(b.buffer).setUint32(b.length - 4, 3, true), b),
        /label of sample 19 is 3, not below the 3 classes/,
      ],
    ];
    for (const [what, corrupt, pattern] of cases) {
      const error = refusal(corrupt(Uint8Array.from(good)));
      expect(error.code, what).to.equal("DATASET_INVALID");
      expect(error.message, what).to.match(pattern);
    }
  });

  it("the split is deterministic, disjoint, complete, sorted, and moves with the seed", () => {
    const spec = specWith();
    const a = splitRows(3_000, spec);
    const b = splitRows(3_000, spec);
    expect(Array.from(a.validation)).to.deep.equal(Array.from(b.validation));
    expect(a.validation.length).to.equal(600);
    expect(a.train.length).to.equal(2_400);
    const all = new Set([...a.train, ...a.validation]);
    expect(all.size).to.equal(3_000);
    expect(Array.from(a.validation)).to.deep.equal(Array.from(a.validation).sort((x, y) => x - y));
    const other = splitRows(3_000, specWith({ seed: 8 }));
    expect(Array.from(other.validation)).to.not.deep.equal(Array.from(a.validation));
  });

  it("refuses a split that holds out nothing", () => {
    expect(() => splitRows(4, specWith())).to.throw(TrainerError, /holds out 0; at least 1 must be held out/);
  });
});
