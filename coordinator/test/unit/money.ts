import { expect } from "chai";

import { assertU64, ceilDiv, MoneyError, toFixedPoint, U64_MAX } from "../../src/domain/money";

describe("money arithmetic", () => {
  it("ceilDiv rounds a remainder up and an exact quotient not at all", () => {
    expect([ceilDiv(10n, 5n), ceilDiv(11n, 5n), ceilDiv(0n, 5n)]).to.deep.equal([2n, 3n, 0n]);
  });

  it("error: ceilDiv by zero is DIVISION_BY_ZERO", () => {
    expect(() => ceilDiv(1n, 0n))
      .to.throw(MoneyError)
      .with.property("code", "DIVISION_BY_ZERO");
  });

  it("error: ceilDiv of a negative amount is NEGATIVE_AMOUNT", () => {
    expect(() => ceilDiv(-1n, 2n))
      .to.throw(MoneyError)
      .with.property("code", "NEGATIVE_AMOUNT");
  });

  it("fixed point takes 1.5, 0.1 and 8 in thousandths exactly", () => {
    expect([1.5, 0.1, 8].map((value) => toFixedPoint(value, 1_000n, "x"))).to.deep.equal([1_500n, 100n, 8_000n]);
  });

  it("error: a value finer than the scale is NOT_AN_INTEGER, not silently rounded", () => {
    expect(() => toFixedPoint(0.0001, 1_000n, "x"))
      .to.throw(MoneyError)
      .with.property("code", "NOT_AN_INTEGER");
  });

  it("error: an amount above u64 is AMOUNT_TOO_LARGE", () => {
    expect(assertU64(U64_MAX, "a")).to.equal(U64_MAX);
    expect(() => assertU64(U64_MAX + 1n, "a"))
      .to.throw(MoneyError)
      .with.property("code", "AMOUNT_TOO_LARGE");
  });
});
