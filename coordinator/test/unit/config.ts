import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { ConfigError, DEFAULT_CONFIG, loadConfig } from "../../src/config";

function configFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cyx-config-"));
  const file = join(dir, "coordinator.json");
  writeFileSync(file, content);
  return file;
}

describe("coordinator config", () => {
  it("defaults point at the localnet services", () => {
    const config = loadConfig({ env: {} });
    expect(config).to.deep.equal(DEFAULT_CONFIG);
    expect(config.rpcUrl).to.equal("http://127.0.0.1:8899");
  });

  it("a file overrides defaults and the environment overrides the file", () => {
    const file = configFile(JSON.stringify({ http: { port: 9000 }, heartbeat: { intervalMs: 1000 } }));
    const config = loadConfig({ file, env: { CYXWIZ_COORDINATOR_PORT: "9100" } });
    expect(config.http.port).to.equal(9100);
    expect(config.http.host).to.equal(DEFAULT_CONFIG.http.host);
    expect(config.heartbeat.intervalMs).to.equal(1000);
  });

  it("error: an unknown key is named", () => {
    const file = configFile(JSON.stringify({ heartbeat: { intervalSecs: 5 } }));
    expect(() => loadConfig({ file, env: {} })).to.throw(ConfigError, "unknown config key heartbeat.intervalSecs");
  });

  it("error: a value of the wrong type is named", () => {
    const file = configFile(JSON.stringify({ http: { port: "eighty" } }));
    expect(() => loadConfig({ file, env: {} })).to.throw(ConfigError, "http.port must be a number");
  });

  it("error: a non-numeric environment number is named", () => {
    expect(() => loadConfig({ env: { CYXWIZ_HEARTBEAT_MISSES: "three" } })).to.throw(ConfigError, "CYXWIZ_HEARTBEAT_MISSES");
  });

  it("error: zero and negative durations are refused", () => {
    expect(() => loadConfig({ env: { CYXWIZ_HEARTBEAT_INTERVAL_MS: "0" } })).to.throw(ConfigError, "heartbeat.intervalMs");
  });

  it("error: an unreadable file says which", () => {
    expect(() => loadConfig({ file: "/nonexistent/coordinator.json", env: {} })).to.throw(ConfigError, "/nonexistent/coordinator.json");
  });
});
