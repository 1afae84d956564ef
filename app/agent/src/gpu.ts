/**
 * What hardware the node registers: detected from `nvidia-smi` when it is there, or
 * declared by the operator. The coordinator's catalogue names models like RTX_4090;
 * nvidia-smi says "NVIDIA GeForce RTX 4090", so names are mapped here, and a card the
 * mapping does not know is sent in the catalogue's spelling for the coordinator to
 * accept or refuse with its own list.
 */
import { execFileSync } from "node:child_process";
import { freemem } from "node:os";

export interface GpuInfo {
  /** The coordinator's catalogue name (RTX_4090, A100, CPU). */
  readonly model: string;
  /** VRAM of one GPU, GB (GiB as cards are labelled); for CPU the system memory given to jobs. */
  readonly vramGb: number;
  readonly count: number;
}

/** At most this much system memory is offered to jobs by default on a CPU node, GB. */
export const CPU_DEFAULT_MAX_GB = 4;

/**
 * The development class: a node without a GPU that runs small jobs on its CPU. Its
 * "VRAM" is the system memory it gives to jobs, which the coordinator checks a job's
 * minimum memory against: by default min(4 GB, free memory now), in whole MiB. A CPU
 * node is tier1 whatever it declares (coordinator/docs/formulas.md, "Node classes").
 */
export function cpuNode(freeBytes: number = freemem()): GpuInfo {
  const freeMib = Number.isFinite(freeBytes) && freeBytes > 0 ? Math.floor(freeBytes / 2 ** 20) : 0;
  return { model: "CPU", vramGb: Math.min(CPU_DEFAULT_MAX_GB * 1024, freeMib) / 1024, count: 1 };
}

/** The query the agent runs; its output is what `parseNvidiaSmi` reads. */
export const NVIDIA_SMI_ARGS = ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"] as const;

/** Data-centre cards are named by their family; the rest by the GeForce/RTX number. */
const FAMILY_RE = /\b(H100|H200|A100|A40|A30|A10G?|L40S?|L4|V100|T4)\b/;
const NUMBERED_RE = /\b(RTX|GTX)\s*(\d{4})(\s*(TI|SUPER))?\b/;

/** "NVIDIA GeForce RTX 4090" → RTX_4090, "NVIDIA A100-SXM4-80GB" → A100, "Tesla T4" → T4. */
export function catalogueModel(name: string): string {
  const upper = name.toUpperCase().replace(/-/g, " ");
  const numbered = NUMBERED_RE.exec(upper);
  if (numbered !== null) return `${numbered[1]}_${numbered[2]}${numbered[4] === undefined ? "" : `_${numbered[4]}`}`;
  const family = FAMILY_RE.exec(upper);
  if (family !== null) return family[1];
  const cleaned = upper
    .replace(/\b(NVIDIA|GEFORCE|TESLA|QUADRO)\b/g, " ")
    .trim()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return cleaned === "" ? "UNKNOWN" : cleaned.slice(0, 32);
}

export class GpuDetectionError extends Error {
  readonly code = "GPU_DETECTION";
}

/**
 * The GPUs of `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`
 * (one "name, MiB" line per GPU). Mixed cards register as the smallest: the model of
 * the first card with the least VRAM, and that VRAM. No lines → null.
 */
export function parseNvidiaSmi(output: string): GpuInfo | null {
  const cards: { model: string; vramGb: number }[] = [];
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const comma = line.lastIndexOf(",");
    const mib = Number(line.slice(comma + 1).trim());
    if (comma < 0 || !Number.isFinite(mib) || mib < 0) {
      throw new GpuDetectionError(
        `cannot read the nvidia-smi line ${JSON.stringify(line)} (expected "name, MiB"); declare the GPU instead (--gpu MODEL:VRAM_GB)`,
      );
    }
    cards.push({ model: catalogueModel(line.slice(0, comma)), vramGb: Math.round(mib / 1024) });
  }
  if (cards.length === 0) return null;
  const smallest = cards.reduce((least, card) => (card.vramGb < least.vramGb ? card : least));
  return { model: smallest.model, vramGb: smallest.vramGb, count: cards.length };
}

/** Runs nvidia-smi; no nvidia-smi (or no GPU) is the CPU class (`cpuNode`). */
export function detectGpu(
  run: (file: string, args: readonly string[]) => string = defaultRun,
  cpu: () => GpuInfo = () => cpuNode(),
): GpuInfo {
  let output: string;
  try {
    output = run("nvidia-smi", NVIDIA_SMI_ARGS);
  } catch {
    return cpu();
  }
  return parseNvidiaSmi(output) ?? cpu();
}

function defaultRun(file: string, args: readonly string[]): string {
  return execFileSync(file, [...args], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
}

/** The option as given: "auto", or a declared GPU (count defaults to 1). */
export type GpuOption = "auto" | { readonly model: string; readonly vramGb: number; readonly count?: number };

export function resolveGpu(option: GpuOption | undefined, detect: () => GpuInfo = () => detectGpu()): GpuInfo {
  if (option === undefined || option === "auto") return detect();
  if (!Number.isFinite(option.vramGb) || option.vramGb < 0) {
    throw new GpuDetectionError(`the declared GPU's vramGb must be a number ≥ 0, got ${option.vramGb}`);
  }
  const count = option.count ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new GpuDetectionError(`the declared GPU count must be an integer ≥ 1, got ${count}`);
  return {
    model: option.model
      .trim()
      .toUpperCase()
      .replace(/[\s-]+/g, "_"),
    vramGb: option.vramGb,
    count,
  };
}
