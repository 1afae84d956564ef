/**
 * The GPU catalogue: what each GPU model costs relative to the reference GPU
 * (RTX_3060 = 1.0) and how much VRAM it nominally has, and the node classes.
 *
 * Node classes are the Cxmpute VRAM tiers. Each tier's upper bound is inclusive and
 * its lower bound exclusive, so every VRAM size has exactly one tier:
 *
 *   tier1:        vram ≤  4 GB   (and every CPU node, whatever memory it declares)
 *   tier2:  4 GB < vram ≤  8 GB
 *   tier3:  8 GB < vram ≤ 22 GB
 *   tier4: 22 GB < vram
 *
 * A node's class comes from the VRAM it registers, not from its model's nominal VRAM
 * (an A100 may have 40 or 80 GB). GB here is what cards are labelled with (GiB).
 *
 * CPU nodes (model `CPU`, the development class) declare in vramGb the system memory
 * they dedicate to jobs (e.g. 2): that is what a job's minimum memory is checked
 * against. Their class is always tier1: the tiers rank GPU capability, and a CPU
 * trains at about a tenth of the reference GPU (its price multiplier, 0.1, is below
 * every card's), so 16 GB of RAM must not make a CPU look like a tier3 card to a
 * client who asks for tier3.
 */
import { CoordinatorError } from "./errors";
import { MULTIPLIER_SCALE, toFixedPoint } from "./money";

export const NODE_CLASSES = ["tier1", "tier2", "tier3", "tier4"] as const;
export type NodeClass = (typeof NODE_CLASSES)[number];

/** Inclusive upper VRAM bound of each tier; tier4 is unbounded. */
export const TIER_MAX_VRAM_GB: Readonly<Record<Exclude<NodeClass, "tier4">, number>> = {
  tier1: 4,
  tier2: 8,
  tier3: 22,
};

export type GpuErrorCode = "UNKNOWN_GPU_MODEL" | "INVALID_GPU_MODEL" | "INVALID_VRAM" | "INVALID_MULTIPLIER";

export class GpuError extends CoordinatorError<GpuErrorCode> {}

export function assertVramGb(vramGb: number, what = "vramGb"): number {
  if (!Number.isFinite(vramGb) || vramGb < 0) {
    throw new GpuError("INVALID_VRAM", `${what} must be a finite number ≥ 0, got ${vramGb}`);
  }
  return vramGb;
}

export function nodeClassOf(vramGb: number): NodeClass {
  assertVramGb(vramGb);
  if (vramGb <= TIER_MAX_VRAM_GB.tier1) return "tier1";
  if (vramGb <= TIER_MAX_VRAM_GB.tier2) return "tier2";
  if (vramGb <= TIER_MAX_VRAM_GB.tier3) return "tier3";
  return "tier4";
}

/** The development class: a node without a GPU. */
export const CPU_MODEL: GpuModel = "CPU";

/**
 * The class of a node of `gpuModel` registering `vramGb`: the VRAM tier, except that
 * a CPU node is tier1 whatever memory it declares (see above).
 */
export function nodeClassFor(gpuModel: GpuModel, vramGb: number): NodeClass {
  const nodeClass = nodeClassOf(vramGb);
  return canonicalSpelling(gpuModel) === CPU_MODEL ? "tier1" : nodeClass;
}

/** Tiers order by VRAM: tier1 < tier2 < tier3 < tier4. */
export function nodeClassRank(nodeClass: NodeClass): number {
  return NODE_CLASSES.indexOf(nodeClass);
}

/** Upper-case identifiers: `RTX_4090`, `A100`. */
export type GpuModel = string;

const GPU_MODEL_RE = /^[A-Z][A-Z0-9_]{0,31}$/;

function canonicalSpelling(input: string): string {
  return input
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, "_");
}

/** "rtx 4090" and "RTX-4090" both name `RTX_4090`. */
export function normaliseGpuModel(input: string): GpuModel {
  const model = canonicalSpelling(input);
  if (!GPU_MODEL_RE.test(model)) {
    throw new GpuError("INVALID_GPU_MODEL", `GPU model ${JSON.stringify(input)} is not an identifier like RTX_4090`);
  }
  return model;
}

/** One row of the catalogue as config writes it. */
export interface GpuCatalogueEntry {
  /** Price relative to the reference GPU; at most three decimals. */
  readonly multiplier: number;
  /** Nominal VRAM, GB. */
  readonly vramGb: number;
}

export interface GpuSpec {
  readonly model: GpuModel;
  readonly multiplier: number;
  /** `multiplier` in thousandths, exact: what prices are computed with. */
  readonly multiplierMilli: bigint;
  readonly vramGb: number;
  readonly nodeClass: NodeClass;
}

/**
 * CPU is for development: a node without a GPU that can run toy jobs. Its nominal
 * "VRAM" is 0: a CPU node declares the system memory it gives to jobs when it registers.
 */
export const DEFAULT_GPU_TABLE: Readonly<Record<GpuModel, GpuCatalogueEntry>> = {
  CPU: { multiplier: 0.1, vramGb: 0 },
  GTX_1650: { multiplier: 0.4, vramGb: 4 },
  RTX_2060: { multiplier: 0.7, vramGb: 6 },
  RTX_3060: { multiplier: 1.0, vramGb: 12 },
  RTX_3080: { multiplier: 1.5, vramGb: 10 },
  RTX_3090: { multiplier: 2.0, vramGb: 24 },
  RTX_4090: { multiplier: 3.0, vramGb: 24 },
  A10: { multiplier: 2.0, vramGb: 24 },
  A100: { multiplier: 5.0, vramGb: 80 },
  H100: { multiplier: 8.0, vramGb: 80 },
};

function specOf(model: GpuModel, entry: GpuCatalogueEntry): GpuSpec {
  if (!(entry.multiplier > 0)) {
    throw new GpuError("INVALID_MULTIPLIER", `${model}: multiplier must be > 0, got ${entry.multiplier}`);
  }
  let multiplierMilli: bigint;
  try {
    multiplierMilli = toFixedPoint(entry.multiplier, MULTIPLIER_SCALE, `${model} multiplier`);
  } catch (error) {
    throw new GpuError("INVALID_MULTIPLIER", error instanceof Error ? error.message : String(error));
  }
  const vramGb = assertVramGb(entry.vramGb, `${model} vramGb`);
  return { model, multiplier: entry.multiplier, multiplierMilli, vramGb, nodeClass: nodeClassFor(model, vramGb) };
}

export class GpuCatalogue {
  private readonly specs: ReadonlyMap<GpuModel, GpuSpec>;

  constructor(table: Readonly<Record<string, GpuCatalogueEntry>>) {
    const specs = new Map<GpuModel, GpuSpec>();
    for (const [name, entry] of Object.entries(table)) {
      const model = normaliseGpuModel(name);
      specs.set(model, specOf(model, entry));
    }
    this.specs = specs;
  }

  /** The spec of `model` (any spelling `normaliseGpuModel` accepts). */
  get(model: string): GpuSpec {
    const spec = this.find(model);
    if (spec === undefined) throw new GpuError("UNKNOWN_GPU_MODEL", `unknown GPU model ${JSON.stringify(model)}`);
    return spec;
  }

  find(model: string): GpuSpec | undefined {
    return this.specs.get(canonicalSpelling(model));
  }

  has(model: string): boolean {
    return this.find(model) !== undefined;
  }

  models(): GpuModel[] {
    return [...this.specs.keys()].sort();
  }
}

/**
 * The default table merged with the config's: a config row replaces the default row
 * of the same model and adds models the defaults lack.
 */
export function createGpuCatalogue(config: Readonly<Record<string, GpuCatalogueEntry>> = {}): GpuCatalogue {
  const merged: Record<GpuModel, GpuCatalogueEntry> = { ...DEFAULT_GPU_TABLE };
  for (const [name, entry] of Object.entries(config)) merged[normaliseGpuModel(name)] = entry;
  return new GpuCatalogue(merged);
}
