/**
 * The dashboard hosting (config http.dashboardDir): a built dashboard's files at /,
 * index.html for the single-page app's own routes, and the API untouched: unknown /v1
 * paths stay JSON 404s, /health, /metrics and /openapi.yaml answer as before, other
 * methods are not served. Off by default, and off (logged) for a directory that does
 * not exist. On a real redis-server with the API harness.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

import { expect } from "chai";

import { Api, call, errorOf, startApi } from "./api-harness";

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

  it("off by default, and off with a warning for a directory that does not exist", async () => {
    api = await startApi();
    expect((await get("/")).status).to.equal(404);
    await api.close();

    api = await withDashboard(join(dir, "missing"));
    const root = await get("/");
    expect(root.status).to.equal(404);
    expect(errorOf({ status: 404, body: (await root.json()) as Record<string, unknown>, text: "", headers: root.headers }).code).to.equal("NOT_FOUND");
    expect(api.log.lines.some((line) => String(line.msg).startsWith("dashboard not served"))).to.equal(true);
  });
});
