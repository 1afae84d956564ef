import { expect } from "chai";

import { createLogger, memoryLogger } from "../../src/logger";

describe("coordinator logger", () => {
  it("writes one JSON object per line with level, message and context", () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (l) => lines.push(l), context: { service: "coordinator" } }).child({ jobId: "j1" });
    logger.info("job queued", { priority: "high", amount: 10n });
    expect(lines).to.have.length(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).to.include({ level: "info", msg: "job queued", service: "coordinator", jobId: "j1", priority: "high", amount: "10" });
    expect(Date.parse(entry.ts)).to.be.a("number").and.not.NaN;
  });

  it("a memory logger keeps parsed lines for tests", () => {
    const log = memoryLogger().child({ nodeId: "n1" });
    log.warn("node offline");
    expect(log).to.have.property("child");
  });

  it("drops lines below its level", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", write: (l) => lines.push(l) });
    logger.info("quiet");
    logger.error("loud", { error: new Error("boom") });
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0]).error).to.include({ name: "Error", message: "boom" });
  });
});
