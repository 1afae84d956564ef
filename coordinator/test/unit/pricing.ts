import { expect } from "chai";

import { releaseSplit } from "@cyxwiz/sdk/split";
import { GpuError } from "../../src/domain/gpu";
import {
  assertQuoteUsable,
  createQuote,
  DEFAULT_PRICING_CONFIG,
  isQuoteExpired,
  priceBreakdown,
  type PricingConfig,
  PricingError,
  type QuoteRequest,
} from "../../src/domain/pricing";
import { PRIORITIES } from "../../src/domain/priority";
import { estimateWorkload, type Workload } from "../../src/domain/workload";
import { catalogue } from "../harness/fixtures";

/** Exactly one reference GPU-hour (see workload tests). */
const ONE_HOUR: Workload = { modelParameters: 1_000_000, dataset: { kind: "tokens", tokens: 3_000_000_000 }, epochs: 1 };
const NOW = 1_700_000_000_000;
const CONFIG: PricingConfig = { ...DEFAULT_PRICING_CONFIG, minimumAmount: 0n };

function request(overrides: Partial<QuoteRequest> = {}): QuoteRequest {
  return { gpuModel: "RTX_4090", priority: "high", workload: ONE_HOUR, ...overrides };
}

const amountOf = (workload: Workload, gpuModel: string, priority: QuoteRequest["priority"]) =>
  priceBreakdown(estimateWorkload(workload), gpuModel, priority, catalogue, CONFIG).amount;

describe("pricing", () => {
  it("one GPU-hour on an RTX_4090 at high priority: 3 000 000 compute + 3 000 000 priority + 600 000 margin", () => {
    const { lines, amount } = priceBreakdown(estimateWorkload(ONE_HOUR), "RTX_4090", "high", catalogue, CONFIG);
    expect(lines.map((line) => [line.item, line.amount])).to.deep.equal([
      ["compute", 3_000_000n],
      ["priority", 3_000_000n],
      ["platform-margin", 600_000n],
    ]);
    expect(amount).to.equal(6_600_000n);
  });

  it("priority multiplies compute by 1, 2 and 3", () => {
    const amounts = PRIORITIES.map((priority) => amountOf(ONE_HOUR, "RTX_3060", priority));
    // 1 000 000 per hour × 1.0, then × weight, then + 10%.
    expect(amounts).to.deep.equal([1_100_000n, 2_200_000n, 3_300_000n]);
  });

  it("every line rounds up: 334 micro-hours on an RTX_3080 at 1 000 001 per hour", () => {
    const estimate = estimateWorkload({ modelParameters: 1_000_000, dataset: { kind: "tokens", tokens: 1_000_000 }, epochs: 1 });
    const config = { ...CONFIG, basePricePerGpuHour: 1_000_001n };
    const { lines, amount } = priceBreakdown(estimate, "RTX_3080", "normal", catalogue, config);
    // compute = 1 000 001 × 1.5 × 0.000334 = 501.000501 → 502; margin = 50.2 → 51.
    expect(lines.map((line) => line.amount)).to.deep.equal([502n, 0n, 51n]);
    expect(amount).to.equal(553n);
  });

  it("a total below the minimum gets a minimum-charge line that lifts it exactly to the minimum", () => {
    const estimate = estimateWorkload({ modelParameters: 1, dataset: { kind: "tokens", tokens: 1 }, epochs: 1 });
    const { lines, amount } = priceBreakdown(estimate, "CPU", "normal", catalogue, { ...CONFIG, minimumAmount: 5_000n });
    expect(amount).to.equal(5_000n);
    expect(lines.at(-1)?.item).to.equal("minimum-charge");
  });

  it("the lines add up to the amount", () => {
    for (const gpuModel of catalogue.models()) {
      for (const priority of PRIORITIES) {
        const { lines, amount } = priceBreakdown(estimateWorkload(ONE_HOUR), gpuModel, priority, catalogue, DEFAULT_PRICING_CONFIG);
        expect(lines.reduce((sum, line) => sum + line.amount, 0n)).to.equal(amount);
      }
    }
  });

  it("is monotonic in the GPU multiplier", () => {
    const models = catalogue.models().sort((a, b) => catalogue.get(a).multiplier - catalogue.get(b).multiplier);
    const amounts = models.map((model) => amountOf(ONE_HOUR, model, "normal"));
    for (let i = 1; i < amounts.length; i += 1) expect(amounts[i] >= amounts[i - 1]).to.equal(true, models[i]);
  });

  it("is monotonic in parameters, tokens and epochs", () => {
    const workload = (parameters: number, tokens: number, epochs: number): Workload => ({
      modelParameters: parameters,
      dataset: { kind: "tokens", tokens },
      epochs,
    });
    const sizes = [1, 7, 1_000, 65_537, 1_000_000, 350_000_000];
    for (let i = 1; i < sizes.length; i += 1) {
      const previous = sizes[i - 1];
      const size = sizes[i];
      expect(amountOf(workload(size, 1_000, 1), "A100", "normal") >= amountOf(workload(previous, 1_000, 1), "A100", "normal")).to.equal(
        true,
      );
      expect(amountOf(workload(1_000, size, 1), "A100", "normal") >= amountOf(workload(1_000, previous, 1), "A100", "normal")).to.equal(
        true,
      );
      expect(amountOf(workload(1_000, 1_000, i + 1), "A100", "normal") >= amountOf(workload(1_000, 1_000, i), "A100", "normal")).to.equal(
        true,
      );
    }
  });

  it("error: a base price of zero is INVALID_PRICING_CONFIG", () => {
    expect(() => priceBreakdown(estimateWorkload(ONE_HOUR), "A100", "normal", catalogue, { ...CONFIG, basePricePerGpuHour: 0n }))
      .to.throw(PricingError)
      .with.property("code", "INVALID_PRICING_CONFIG");
  });

  it("error: a fee above 100% is INVALID_PRICING_CONFIG", () => {
    expect(() => priceBreakdown(estimateWorkload(ONE_HOUR), "A100", "normal", catalogue, { ...CONFIG, feeBps: 10_001 }))
      .to.throw(PricingError)
      .with.property("code", "INVALID_PRICING_CONFIG");
  });
});

describe("quotes", () => {
  const quote = createQuote(request(), catalogue, NOW, CONFIG, () => "quote-1");

  it("carries the id, the amount and the estimate", () => {
    expect(quote).to.include({ quoteId: "quote-1", amount: 6_600_000n, estimatedGpuHours: 1, priority: "high", gpuModel: "RTX_4090" });
  });

  it("previews the 90/10 release with the program's split math", () => {
    expect(quote.nodeAmount).to.equal(5_940_000n);
    expect(quote.platformFee).to.equal(660_000n);
    const split = releaseSplit(quote.amount, quote.feeBps);
    expect([quote.nodeAmount, quote.platformFee]).to.deep.equal([split.node, split.platform]);
  });

  it("requires the quoted GPU model and its class", () => {
    expect(quote.requirements.gpuModels).to.deep.equal(["RTX_4090"]);
    expect(quote.nodeClass).to.equal("tier4");
  });

  it("requires the larger of the client's VRAM and the estimated VRAM", () => {
    expect(createQuote(request({ minVramGb: 20 }), catalogue, NOW, CONFIG).minVramGb).to.equal(20);
    const big: Workload = { ...ONE_HOUR, modelParameters: 2_000_000_000 }; // 30 517.58 MiB → 30 518 MiB
    expect(createQuote(request({ workload: big, minVramGb: 20 }), catalogue, NOW, CONFIG).minVramGb).to.equal(30_518 / 1024);
  });

  it("expires quoteTtlMs after it was made", () => {
    expect(quote.expiresAt).to.equal(NOW + CONFIG.quoteTtlMs);
    expect(isQuoteExpired(quote, quote.expiresAt - 1)).to.equal(false);
    expect(isQuoteExpired(quote, quote.expiresAt)).to.equal(true);
  });

  it("error: using an expired quote is QUOTE_EXPIRED", () => {
    expect(() => assertQuoteUsable(quote, quote.expiresAt))
      .to.throw(PricingError)
      .with.property("code", "QUOTE_EXPIRED");
    expect(assertQuoteUsable(quote, quote.expiresAt - 1)).to.equal(quote);
  });

  it("gets a fresh id each time by default", () => {
    expect(createQuote(request(), catalogue, NOW).quoteId).to.not.equal(createQuote(request(), catalogue, NOW).quoteId);
  });

  it("error: a quote for an unknown GPU is UNKNOWN_GPU_MODEL", () => {
    expect(() => createQuote(request({ gpuModel: "TPU_V9" }), catalogue, NOW))
      .to.throw(GpuError)
      .with.property("code", "UNKNOWN_GPU_MODEL");
  });
});
