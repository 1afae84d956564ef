/**
 * Deeply nested request bodies: refused with a 400 that names the limit, never a stack
 * overflow (a 500) in the validators' walk over the value.
 */
import { expect } from "chai";

import { parseJson } from "../../src/http/body";
import { ApiError } from "../../src/http/errors";
import { schemas } from "../../src/http/schemas";
import { jsonObject, MAX_JSON_DEPTH, nestsDeeperThan, ValidationError, validator } from "../../src/http/validate";
import { catalogue } from "../harness/fixtures";

const JSON_TYPE = "application/json";

/** `{"a":{"a":…1…}}`, `levels` objects deep, as text (JSON.stringify would recurse too). */
function nestedObjects(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

/** A job submission whose `config` is nested `levels` objects deep. */
function jobWithConfig(levels: number): Buffer {
  const head = JSON.stringify({
    quoteId: "00000000-0000-4000-8000-000000000000",
    jobId: "ab".repeat(32),
    escrow: "11111111111111111111111111111111",
    datasetCid: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
  });
  return Buffer.from(`${head.slice(0, -1)},"config":${nestedObjects(levels)}}`);
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("request bodies nested too deep", () => {
  it("nestsDeeperThan counts objects and arrays, not scalars", () => {
    expect(nestsDeeperThan(1, 0)).to.equal(false);
    expect(nestsDeeperThan({}, 0)).to.equal(true);
    expect(nestsDeeperThan({}, 1)).to.equal(false);
    expect(nestsDeeperThan({ a: [1] }, 1)).to.equal(true);
    expect(nestsDeeperThan({ a: [1] }, 2)).to.equal(false);
    expect(nestsDeeperThan({ a: 1, b: { c: [[]] } }, 3)).to.equal(true);
    expect(nestsDeeperThan({ a: 1, b: { c: [[]] } }, 4)).to.equal(false);
  });

  it("nestsDeeperThan walks a value 200,000 levels deep without recursing", () => {
    const levels = 200_000;
    const value = JSON.parse("[".repeat(levels) + "]".repeat(levels)) as unknown;
    expect(nestsDeeperThan(value, MAX_JSON_DEPTH)).to.equal(true);
    expect(nestsDeeperThan(value, levels)).to.equal(false);
  });

  it("jsonObject refuses a value 50,000 levels deep with a ValidationError naming its limit", () => {
    const error = thrownBy(() => validator(jsonObject(16))(JSON.parse(nestedObjects(50_000)) as unknown, "config"));
    expect(error).to.be.instanceOf(ValidationError);
    expect(error).to.include({ field: "config", message: "config must not nest deeper than 16 levels" });
  });

  it("a job whose config is 50,000 levels deep is a 400 TOO_DEEP naming the limit", () => {
    const error = thrownBy(() => parseJson(jobWithConfig(50_000), JSON_TYPE, schemas(catalogue).job));
    expect(error).to.be.instanceOf(ApiError);
    expect(error).to.include({ status: 400, code: "TOO_DEEP" });
    expect((error as ApiError).message).to.include(`${MAX_JSON_DEPTH} levels`);
  });

  it("a body exactly at the limit passes the depth check and meets the schema's own limit", () => {
    // The whole body is one level, so its config may be MAX_JSON_DEPTH - 1 deep; the job
    // schema then refuses a config deeper than 16 as INVALID_FIELD, as before.
    const error = thrownBy(() => parseJson(jobWithConfig(MAX_JSON_DEPTH - 1), JSON_TYPE, schemas(catalogue).job));
    expect(error).to.include({ status: 400, code: "INVALID_FIELD", field: "config" });
    const deeper = thrownBy(() => parseJson(jobWithConfig(MAX_JSON_DEPTH), JSON_TYPE, schemas(catalogue).job));
    expect(deeper).to.include({ status: 400, code: "TOO_DEEP" });
  });
});
