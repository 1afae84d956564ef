/**
 * The dashboard in a real browser against everything real (set-up in harness/dashboard.ts):
 * with the coordinator stopped, the pages say the coordinator is down.
 */
import { join } from "node:path";

import { expect } from "chai";

import { describeDashboard, RESULTS, stopChild } from "./harness/dashboard";

describeDashboard("web dashboard in chromium: quote → fund → submit → Released 90/10 → node earnings", (s) => {
  const { openPage } = s;

  it("with the coordinator down, the pages say so instead of showing stale or empty data", async () => {
    const page = await openPage("#/platform");
    await page.getByTestId("jobs-total").waitFor();
    expect(await page.getByTestId("coordinator-down").count()).to.equal(0);
    await s.stopAgent("coordinator going down");
    await stopChild(s.coordinator.child);
    await page.getByTestId("coordinator-down").first().waitFor({ timeout: 30_000 });
    // The header polls /health on its own 2 s timer; the page's poll may notice first.
    await page.getByTestId("health").filter({ hasText: "coordinator down" }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("health").textContent()).to.equal("coordinator down");
    expect(await page.getByTestId("coordinator-down").first().textContent()).to.match(/not answering/);
    await page.screenshot({ path: join(RESULTS, "coordinator-down.png"), fullPage: true });
    await page.close();
  });
});
