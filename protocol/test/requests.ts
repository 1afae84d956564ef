/**
 * The request schemas refuse bad bodies with the API's wording: the first field at
 * fault (an object's unknown fields before anything inside it) and a sentence naming it.
 */
import { expect } from "chai";

import { check } from "../src/api/issues";
import { REQUESTS } from "../src/api/requests";

const QUOTE = { model: { parameters: 1000 }, dataset: { samples: 100 }, epochs: 3, priority: "normal" };
const CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const JOB = {
  quoteId: "00000000-0000-4000-8000-000000000000",
  jobId: "ab".repeat(32),
  escrow: "11111111111111111111111111111111",
  datasetCid: CID,
  config: { lr: 1 },
};
const NODE = { gpuModel: "RTX_3060", vramGb: 12, gpuCount: 1, priceFloor: "1000" };
const TOKEN = "b".repeat(64);

type Name = keyof typeof REQUESTS;
const refusals: [Name, unknown, string, string][] = [
  ["quote", [1], "", "the body must be a JSON object, got an array"],
  ["quote", { ...QUOTE, colour: "blue" }, "colour", "colour is not a known field"],
  ["quote", JSON.parse('{"__proto__": {"admin": true}, "model": {"parameters": 1}}'), "__proto__", "__proto__ is not a known field"],
  ["quote", { ...QUOTE, model: { parameters: 5, layers: 3 } }, "model.layers", "model.layers is not a known field"],
  ["quote", { model: QUOTE.model, dataset: QUOTE.dataset, epochs: 3 }, "priority", "priority is required"],
  ["quote", { ...QUOTE, epochs: "3" }, "epochs", 'epochs must be an integer, got string "3"'],
  ["quote", { ...QUOTE, epochs: 1.5 }, "epochs", "epochs must be an integer, got number 1.5"],
  ["quote", { ...QUOTE, epochs: 2 ** 60 }, "epochs", `epochs must be an integer, got number ${2 ** 60}`],
  ["quote", { ...QUOTE, epochs: 0 }, "epochs", "epochs must be in 1..10000, got 0"],
  ["quote", { ...QUOTE, dataset: { bytes: 10, tokens: 10 } }, "dataset", "dataset must give exactly one of bytes, samples or tokens"],
  [
    "quote",
    { ...QUOTE, dataset: { bytes: 10, tokensPerSample: 3 } },
    "dataset.tokensPerSample",
    "dataset.tokensPerSample may be given only with samples",
  ],
  ["quote", { ...QUOTE, priority: "urgent" }, "priority", 'priority must be one of normal, high, critical, got string "urgent"'],
  ["quote", { ...QUOTE, gpu: null }, "gpu", "gpu must be a JSON object, got null"],
  ["quote", { ...QUOTE, gpu: { models: [] } }, "gpu.models", "gpu.models must have 1..16 items, got 0"],
  ["quote", { ...QUOTE, gpu: { models: ["A", "A"] } }, "gpu.models", "gpu.models must not repeat an item"],
  ["quote", { ...QUOTE, gpu: { models: [7] } }, "gpu.models[0]", "gpu.models[0] must be a string, got number 7"],
  ["job", { ...JOB, jobId: JOB.jobId.toUpperCase() }, "jobId", "jobId must be 64 lowercase hex characters (the escrow's job id)"],
  ["job", { ...JOB, escrow: `${"1".repeat(33)}2` }, "escrow", "escrow must be a base58 account address of 32 bytes"],
  ["job", { ...JOB, escrow: "0xdeadbeef" }, "escrow", "escrow must be 32..44 characters long"],
  ["job", { ...JOB, config: "lr=0.1" }, "config", 'config must be a JSON object, got string "lr=0.1"'],
  [
    "job",
    { ...JOB, config: JSON.parse(`${'{"a":'.repeat(17)}1${"}".repeat(17)}`) as unknown },
    "config",
    "config must not nest deeper than 16 levels",
  ],
  ["job", { ...JOB, maxDurationSecs: 5 }, "maxDurationSecs", "maxDurationSecs must be in 10..2592000, got 5"],
  [
    "node",
    { ...NODE, priceFloor: 1000 },
    "priceFloor",
    'priceFloor must be a decimal string of base units like "1500000", got number 1000',
  ],
  ["node", { ...NODE, priceFloor: "99999999999999999999" }, "priceFloor", "priceFloor must fit in a u64"],
  ["node", { ...NODE, vramGb: "1" }, "vramGb", 'vramGb must be a number, got string "1"'],
  ["heartbeat", { progress: 0.5 }, "progress", "progress may be given only with the jobId it is the progress of"],
  [
    "report",
    { weightsCid: CID, weightsSha256: "a".repeat(64), jobToken: TOKEN, metrics: { "9x": 1 } },
    "metrics.9x",
    "metrics.9x is not a valid name (/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/)",
  ],
  [
    "checkpoint",
    { epoch: 3, epochs: 2, cid: CID, sha256: "a".repeat(64), jobToken: TOKEN },
    "epoch",
    "epoch must be in 1..epochs (2), got 3",
  ],
  ["cancel", { a: 1 }, "a", "a is not a known field"],
  ["fail", { jobToken: TOKEN, reason: "   " }, "reason", "reason must say why, not only spaces"],
  ["fail", { jobToken: TOKEN, reason: "oom", fault: "me" }, "fault", 'fault must be one of node, job, got string "me"'],
];

describe("API request schemas", () => {
  for (const [name, body, field, message] of refusals) {
    it(`${name}: ${message}`, () => {
      const result = check(REQUESTS[name], body);
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.problem).to.deep.equal({ field, message });
    });
  }

  it("a valid body parses to its checked value: u64 amounts as bigint, absent optional fields absent", () => {
    const node = check(REQUESTS.node, NODE);
    expect(node).to.deep.equal({ ok: true, value: { ...NODE, priceFloor: 1000n } });
    const quote = check(REQUESTS.quote, QUOTE);
    expect(quote.ok && Object.keys(quote.value)).to.deep.equal(["model", "dataset", "epochs", "priority"]);
  });

  it("field paths are under the prefix given", () => {
    expect(check(REQUESTS.cancel, { a: 1 }, "body")).to.deep.equal({
      ok: false,
      problem: { field: "body.a", message: "body.a is not a known field" },
    });
  });
});
