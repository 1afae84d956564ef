/**
 * The dashboard hosting (config http.dashboardDir): a built dashboard's files at /,
 * index.html for the single-page app's own routes, and the API untouched: unknown /v1
 * paths stay JSON 404s, /health, /metrics and /openapi.yaml answer as before, other
 * methods are not served. Off by default, and off (logged) for a directory that does
 * not exist. On a real redis-server with the API harness.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { type Api, call, errorOf, startApi } from "../harness/api-harness";

const INDEX = "<!doctype html><title>CyxWiz</title><div id=root></div>";
const SCRIPT = "console.log('dashboard');";

describe("api: the dashboard served from http.dashboardDir", function () {
  this.timeout(20_000);
  let dir: string;
  let api: Api | null = null;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cyxwiz-dashboard-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), INDEX);
    writeFileSync(join(dir, "assets", "app.js"), SCRIPT);
    writeFileSync(join(dir, ".secret"), "not for anyone");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await api?.close();
    api = null;
  });

  const withDashboard = (dashboardDir: string) => startApi({ config: (c) => ({ ...c, http: { ...c.http, dashboardDir } }) });
  const get = async (path: string, method = "GET") => {
    if (api === null) throw new Error("no api");
    return fetch(`${api.url}${path}`, { method });
  };

  it("serves the files, falls back to index.html for app routes, and leaves the API as it was", async () => {
    api = await withDashboard(dir);
    const root = await get("/");
    expect(root.status).to.equal(200);
    expect(root.headers.get("content-type")).to.match(/^text\/html/);
    expect(await root.text()).to.equal(INDEX);

    const script = await get("/assets/app.js");
    expect(script.status).to.equal(200);
    expect(script.headers.get("content-type")).to.match(/javascript/);
    expect(await script.text()).to.equal(SCRIPT);

    for (const path of ["/jobs/abc", "/nodes", "/stats?x=1", "/assets/missing.js", "/.secret", "/v1x"]) {
      const page = await get(path);
      expect(page.status, path).to.equal(200);
      expect(await page.text(), path).to.equal(INDEX);
    }
    const head = await get("/jobs/abc", "HEAD");
    expect(head.status).to.equal(200);

    const unknownApi = await call(api, "GET", "/v1/nothing-here");
    expect(unknownApi.status).to.equal(404);
    expect(errorOf(unknownApi).code).to.equal("NOT_FOUND");
    expect((await call(api, "GET", "/v1")).status).to.equal(404);
    expect((await call(api, "GET", "/health")).body).to.have.property("status");
    expect(await (await get("/metrics")).text()).to.include("cyxwiz_http_request_duration_seconds");
    expect(await (await get("/openapi.yaml")).text()).to.match(/^openapi: 3/);
    const nodes = await call(api, "GET", "/v1/nodes");
    expect(nodes.status).to.equal(200);
    expect(nodes.body).to.deep.equal({ nodes: [] });

    const post = await call(api, "POST", "/jobs/abc", { body: {} });
    expect(post.status).to.equal(404);
    expect(errorOf(post).code).to.equal("NOT_FOUND");
  });

  it("forwards Solana JSON-RPC at /rpc to the configured RPC, refusing dev-only methods and bad bodies", async () => {
    const rpcUrl = process.env.CYXWIZ_RPC_URL ?? "http://127.0.0.1:8899";
    api = await startApi({ config: (c) => ({ ...c, rpcUrl, http: { ...c.http, dashboardDir: dir } }) });
    const rpc = (body: string) => fetch(`${api?.url}/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body });

    const direct = await (
      await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"jsonrpc":"2.0","id":1,"method":"getGenesisHash"}',
      })
    ).json();
    const forwarded = await rpc('{"jsonrpc":"2.0","id":1,"method":"getGenesisHash"}');
    expect(forwarded.status).to.equal(200);
    expect(await forwarded.json()).to.deep.equal(direct);

    const batch = await rpc('[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2,"method":"getGenesisHash"}]');
    expect(batch.status).to.equal(200);
    expect(((await batch.json()) as unknown[]).length).to.equal(2);

    const warp = await rpc(
      '[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2,"method":"cyxwiz_warpClock","params":[1]}]',
    );
    expect(warp.status).to.equal(403);
    expect(((await warp.json()) as { error: { message: string } }).error.message).to.contain("cyxwiz_warpClock");

    const notJson = await rpc("{nope");
    expect(notJson.status).to.equal(400);
    expect(((await notJson.json()) as { error: { code: number } }).error.code).to.equal(-32700);
    const noMethod = await rpc('{"jsonrpc":"2.0","id":1}');
    expect(noMethod.status).to.equal(400);
    expect((await get("/rpc")).status).to.equal(404);
  });

  it("answers 502 naming the RPC when the RPC behind /rpc is down", async () => {
    api = await startApi({ config: (c) => ({ ...c, rpcUrl: "http://127.0.0.1:9", http: { ...c.http, dashboardDir: dir } }) });
    const down = await fetch(`${api.url}/rpc`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"jsonrpc":"2.0","id":1,"method":"getHealth"}',
    });
    expect(down.status).to.equal(502);
    expect(((await down.json()) as { error: { message: string } }).error.message).to.contain("http://127.0.0.1:9");
  });

  it("off by default, and off with a warning for a directory that does not exist", async () => {
    api = await startApi();
    expect((await get("/")).status).to.equal(404);
    await api.close();

    api = await withDashboard(join(dir, "missing"));
    const root = await get("/");
    expect(root.status).to.equal(404);
    expect(errorOf({ status: 404, body: (await root.json()) as Record<string, unknown>, text: "", headers: root.headers }).code).to.equal(
      "NOT_FOUND",
    );
    expect(api.log.lines.some((line) => String(line.msg).startsWith("dashboard not served"))).to.equal(true);
  });
});
