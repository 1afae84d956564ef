/**
 * The agent's connection to a fake coordinator: beats backing off during an outage,
 * registration retried or refused, and its options checked before anything starts.
 * Set-up in harness/agent-world.ts.
 */
import { join } from "node:path";
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { runAgent } from "../src";
import { describeAgent, waitUntil } from "./harness/agent-world";

describeAgent((w) => {
  const { lines, start } = w;

  it("beats back off during an outage but never beyond the coordinator's beat interval (a restarted coordinator hears from the node within its grace)", async () => {
    w.coordinator.nextBeatInMs = 40;
    start();
    await w.log.next("beat");
    await w.coordinator.stop();
    const down = await w.log.next("coordinator-unreachable");
    expect(down.retryInMs).to.be.at.most(40);
    // Backoff would reach 200 ms (maxMs) after 4 failures; the waits stay ≤ 40 ms.
    const waits = () =>
      lines
        .filter((line) => line.startsWith("debug coordinator still unreachable"))
        .map((line) => Number(/next try in (\d+) ms/.exec(line)?.[1]));
    await waitUntil(() => waits().length >= 6);
    expect(waits().slice(0, 6)).to.deep.equal([40, 40, 40, 40, 40, 40]);
    await w.coordinator.start();
    await w.log.next("coordinator-back");
  });

  it("coordinator down at start: registration retried with backoff until it answers", async () => {
    await w.coordinator.stop();
    start();
    const down = await w.log.next("coordinator-unreachable");
    expect(down.error).to.match(/cannot reach the coordinator .*ECONNREFUSED/);
    await w.coordinator.start();
    await w.log.next("registered");
    await w.log.next("coordinator-back");
    expect(w.coordinator.registrations).to.have.length(1);
  });

  it("a registration the coordinator refuses ends the agent: done rejects saying what to fix", async () => {
    w.coordinator.refuseRegistration = { code: "INVALID_FIELD", message: "gpuModel must be one of CPU, RTX_3060, …", field: "gpuModel" };
    const handle = start();
    let failure: unknown = null;
    await handle.done.catch((error: unknown) => {
      failure = error;
    });
    expect(failure).to.include({ code: "REGISTRATION_REFUSED" });
    expect(String((failure as Error).message)).to.match(
      /refused to register this node as 1× RTX_3060 12 GB .*gpuModel must be one of.*\(field gpuModel\); fix the declared GPU/,
    );
    expect(w.log.types().slice(-2)).to.deep.equal(["error", "stopped"]);
    expect(w.log.of("error")[0].fatal).to.equal(true);
    expect(w.coordinator.beats).to.deep.equal([]);
  });

  it("options are checked before anything starts", () => {
    const base = {
      keypair: Keypair.generate(),
      coordinatorUrl: w.coordinator.url,
      ipfsApiUrl: "http://127.0.0.1:1",
      workDir: w.workDir,
      ipfs: w.ipfs,
    };
    expect(() => runAgent({ ...base, priceFloor: "1.5" })).to.throw(/price floor must be token base units as a decimal integer/);
    expect(() => runAgent({ ...base, priceFloor: "1", checkpointEveryEpochs: -1 })).to.throw(
      /checkpointEveryEpochs must be an integer ≥ 0/,
    );
    expect(() => runAgent({ ...base, priceFloor: "1", keypair: join(w.workDir, "missing.json") })).to.throw(
      /cannot read the node keypair .*missing.json.*solana-keygen new/,
    );
    expect(() => runAgent({ ...base, priceFloor: "1", gpu: { model: "RTX_4090", vramGb: -2 } })).to.throw(/vramGb must be a number ≥ 0/);
  });
});
