/** heartbeat.startupGraceMs: how long after start-up no node's lease is judged. */
import { expect } from "chai";

import { ConfigError, DEFAULT_CONFIG, loadConfig } from "../../src/config";
import { startupGraceMs } from "../../src/loops/watchdog";

describe("coordinator config: start-up grace", () => {
  it("defaults to one lease period (intervalMs × missesBeforeOffline), also when the interval changes", () => {
    expect(startupGraceMs(DEFAULT_CONFIG)).to.equal(15_000);
    const faster = loadConfig({ env: { CYXWIZ_HEARTBEAT_INTERVAL_MS: "400" } });
    expect(startupGraceMs(faster)).to.equal(1_200);
    const { startupGraceMs: _omitted, ...withoutGrace } = DEFAULT_CONFIG.heartbeat;
    expect(startupGraceMs({ ...DEFAULT_CONFIG, heartbeat: withoutGrace })).to.equal(15_000);
  });

  it("the environment or a file may set it; negative or fractional is refused", () => {
    expect(startupGraceMs(loadConfig({ env: { CYXWIZ_HEARTBEAT_STARTUP_GRACE_MS: "60000" } }))).to.equal(60_000);
    expect(() => loadConfig({ env: { CYXWIZ_HEARTBEAT_STARTUP_GRACE_MS: "-1" } })).to.throw(ConfigError, "heartbeat.startupGraceMs");
    expect(() => loadConfig({ env: { CYXWIZ_HEARTBEAT_STARTUP_GRACE_MS: "1.5" } })).to.throw(ConfigError, "heartbeat.startupGraceMs");
  });
});
