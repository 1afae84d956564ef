/** GPU detection: nvidia-smi's CSV to the coordinator's catalogue names. */
import { expect } from "chai";

import { catalogueModel, cpuNode, detectGpu, NVIDIA_SMI_ARGS, parseNvidiaSmi, resolveGpu } from "../src/gpu";

describe("node agent: GPU detection", () => {
  it("maps nvidia-smi names to the catalogue", () => {
    const cases: [string, string][] = [
      ["NVIDIA GeForce RTX 4090", "RTX_4090"],
      ["NVIDIA GeForce RTX 3060", "RTX_3060"],
      ["NVIDIA GeForce RTX 3080 Ti", "RTX_3080_TI"],
      ["NVIDIA GeForce GTX 1650", "GTX_1650"],
      ["NVIDIA A100-SXM4-80GB", "A100"],
      ["NVIDIA A100 80GB PCIe", "A100"],
      ["NVIDIA H100 PCIe", "H100"],
      ["NVIDIA A10", "A10"],
      ["Tesla T4", "T4"],
      ["Quadro RTX 8000", "RTX_8000"],
    ];
    for (const [name, model] of cases) expect(catalogueModel(name), name).to.equal(model);
  });

  it("parses one line per GPU: count, and the smallest card's model and VRAM (MiB → GB)", () => {
    expect(parseNvidiaSmi("NVIDIA GeForce RTX 4090, 24564\n")).to.deep.equal({ model: "RTX_4090", vramGb: 24, count: 1 });
    expect(parseNvidiaSmi("NVIDIA A100-SXM4-80GB, 81920\nNVIDIA A100-SXM4-80GB, 81920\n")).to.deep.equal({
      model: "A100",
      vramGb: 80,
      count: 2,
    });
    expect(parseNvidiaSmi("NVIDIA GeForce RTX 4090, 24564\r\nNVIDIA GeForce RTX 3060, 12288\r\n")).to.deep.equal({
      model: "RTX_3060",
      vramGb: 12,
      count: 2,
    });
    expect(parseNvidiaSmi("\n")).to.equal(null);
    expect(() => parseNvidiaSmi("No devices were found")).to.throw(/cannot read the nvidia-smi line .*declare the GPU/);
  });

  it("detects through nvidia-smi with the documented query; without it the node is the CPU class", () => {
    const calls: string[][] = [];
    const found = detectGpu((file, args) => {
      calls.push([file, ...args]);
      return "NVIDIA GeForce RTX 4090, 24564\n";
    });
    expect(found).to.deep.equal({ model: "RTX_4090", vramGb: 24, count: 1 });
    expect(calls).to.deep.equal([["nvidia-smi", ...NVIDIA_SMI_ARGS]]);
    expect(NVIDIA_SMI_ARGS).to.deep.equal(["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"]);
    const missing = detectGpu(() => {
      throw Object.assign(new Error("spawn nvidia-smi ENOENT"), { code: "ENOENT" });
    });
    expect(missing.model).to.equal("CPU");
    expect(missing.vramGb).to.be.greaterThan(0).and.at.most(4);
    const declared = detectGpu(
      () => "",
      () => cpuNode(3 * 2 ** 30),
    );
    expect(declared).to.deep.equal({ model: "CPU", vramGb: 3, count: 1 });
  });

  it("a CPU node offers min(4 GB, free memory) to jobs, in whole MiB", () => {
    expect(cpuNode(16 * 2 ** 30)).to.deep.equal({ model: "CPU", vramGb: 4, count: 1 });
    expect(cpuNode(2 * 2 ** 30)).to.deep.equal({ model: "CPU", vramGb: 2, count: 1 });
    expect(cpuNode(1.5 * 2 ** 30 + 1000).vramGb).to.equal(1.5);
    expect(cpuNode(0).vramGb).to.equal(0);
    expect(cpuNode(Number.NaN).vramGb).to.equal(0);
  });

  it("a declared GPU is taken as given, in the catalogue's spelling", () => {
    expect(resolveGpu({ model: "rtx-4090", vramGb: 24, count: 2 }, () => expect.fail("no detection when declared"))).to.deep.equal({
      model: "RTX_4090",
      vramGb: 24,
      count: 2,
    });
    expect(resolveGpu("auto", () => ({ model: "A10", vramGb: 24, count: 1 }))).to.deep.equal({ model: "A10", vramGb: 24, count: 1 });
    expect(() => resolveGpu({ model: "CPU", vramGb: 0, count: 0 })).to.throw(/count must be an integer ≥ 1/);
  });
});
