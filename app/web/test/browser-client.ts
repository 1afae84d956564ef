/**
 * The dashboard in a real browser against everything real (set-up in harness/dashboard.ts):
 * a client in dev-keypair mode loads its keypair file, describes the job, quotes, funds
 * the escrow and submits from the page; the job page must show Released with the 90/10
 * amounts the SDK's split math gives for the escrow amount, which must also be what the
 * chain paid; the operator page must show the node's earnings equal to its share. Then
 * a poorer wallet is told how much it is missing.
 */
import { join } from "node:path";

import { Keypair, PublicKey } from "@solana/web3.js";
import { expect } from "chai";

import { fetchEscrow, jobEscrowProgram, releaseSplit, tokenAccountAddress, tokenBalance } from "@cyxwiz/sdk";
import { generateDatasetBytes } from "@cyxwiz/trainer";
import { testIpfs } from "../../../coordinator/test/harness/ipfs-harness";
import { baseUnits, CLIENT_TOKENS, describeDashboard, RESULTS, until, WAIT_MS } from "./harness/dashboard";

describeDashboard("web dashboard in chromium: quote → fund → submit → Released 90/10 → node earnings", (s) => {
  const { fundedClient, openPage, quoteSmallJob } = s;

  it("a client funds and submits from the page; the job shows Released with the 90/10 split paid on chain; the operator page shows the node's share", async () => {
    const datasetCid = await testIpfs().add(generateDatasetBytes());
    const nodeKeypair = Keypair.generate();
    s.startAgent(nodeKeypair);
    const nodeId = nodeKeypair.publicKey.toBase58();
    const client = await fundedClient(CLIENT_TOKENS);

    const page = await openPage("#/client");
    await page.getByTestId("dev-keypair-file").setInputFiles(client.file);
    expect(await page.getByTestId("wallet-address").textContent()).to.equal(client.keypair.publicKey.toBase58());
    expect(await page.getByTestId("dev-warning").first().isVisible()).to.equal(true);
    await page.getByTestId("token-balance").first().waitFor();
    expect(await baseUnits(page, "token-balance")).to.equal(CLIENT_TOKENS);

    await until("the node online", async () => {
      const reply = await fetch(`${s.coordinator.url}/v1/nodes/${nodeId}`);
      return reply.ok && ((await reply.json()) as { state: string }).state === "online" ? true : null;
    });
    const quoted = await quoteSmallJob(page, datasetCid);
    const preview = releaseSplit(quoted, 1_000);
    expect(await baseUnits(page, "quote-node")).to.equal(preview.node);
    expect(await baseUnits(page, "quote-platform")).to.equal(preview.platform);
    expect(await page.getByTestId("availability").textContent()).to.equal("available");
    await page.screenshot({ path: join(RESULTS, "client-quote.png"), fullPage: true });

    await page.getByTestId("fund-submit").click();
    await page.waitForURL(/#\/jobs\/[0-9a-f]{64}$/, { timeout: 60_000 });
    const jobId = page.url().split("/").pop() as string;
    await page.getByTestId("job-page").waitFor();
    await page.getByTestId("released").waitFor({ timeout: WAIT_MS });
    await page.getByTestId("verdict").waitFor();

    // What the page shows is the SDK's split of the escrow amount…
    const escrowAmount = await baseUnits(page, "escrow-amount");
    expect(escrowAmount).to.equal(quoted);
    const split = releaseSplit(escrowAmount, 1_000);
    expect(await baseUnits(page, "paid-node")).to.equal(split.node);
    expect(await baseUnits(page, "paid-platform")).to.equal(split.platform);
    expect(split.node + split.platform).to.equal(escrowAmount);
    // …and what the chain paid.
    const program = jobEscrowProgram(s.connection);
    const escrowAddress = new PublicKey((await page.locator("[data-testid=escrow] code").first().textContent()) as string);
    const escrow = await fetchEscrow(program, escrowAddress);
    expect(escrow?.status).to.equal("Released");
    expect(escrow?.nodePaid).to.equal(split.node);
    expect(escrow?.platformPaid).to.equal(split.platform);
    expect(await tokenBalance(s.connection, tokenAccountAddress(new PublicKey(s.manifest.mint), nodeKeypair.publicKey))).to.equal(
      split.node,
    );
    expect(await tokenBalance(s.connection, client.token)).to.equal(CLIENT_TOKENS - escrowAmount);
    expect(await page.getByTestId("job-status").textContent()).to.equal("released");
    await page.screenshot({ path: join(RESULTS, "job-released.png"), fullPage: true });

    // My jobs lists it.
    await page.goto(`${s.coordinator.url}/#/client`);
    await page.locator(`[data-testid=my-jobs] a[href="#/jobs/${jobId}"]`).waitFor();

    // Operator: the node's earnings are its share.
    await page.goto(`${s.coordinator.url}/#/operator/${nodeId}`);
    await page.getByTestId(`earned-${nodeId}`).waitFor();
    await until(
      "the node's earnings on the operator page",
      async () => ((await baseUnits(page, `earned-${nodeId}`)) === split.node ? true : null),
      30_000,
    );
    expect(await baseUnits(page, "node-total")).to.equal(split.node);
    await page.getByTestId("earnings-chart").waitFor();
    await page.screenshot({ path: join(RESULTS, "operator.png"), fullPage: true });

    // Platform: the job counted released, its settlement listed.
    await page.goto(`${s.coordinator.url}/#/platform`);
    await page.getByTestId("count-released").waitFor();
    expect(Number(await page.getByTestId("count-released").textContent())).to.be.at.least(1);
    expect(await page.getByTestId("settlements").textContent()).to.contain(jobId.slice(0, 10));
    await page.screenshot({ path: join(RESULTS, "platform.png"), fullPage: true });
    await page.close();
  });

  it("a wallet short of tokens is told how much is missing and cannot fund", async () => {
    const poor = await fundedClient(5n);
    const page = await openPage("#/client");
    await page.getByTestId("dev-keypair-paste").fill(JSON.stringify(Array.from(poor.keypair.secretKey)));
    await page.getByRole("button", { name: "Use pasted keypair" }).click();
    await page.getByTestId("token-balance").first().waitFor();
    await page.getByTestId("dataset-cid").fill("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    await page.getByTestId("get-quote").click();
    await page.getByTestId("insufficient").waitFor();
    const quoted = await baseUnits(page, "quote-amount");
    const text = (await page.getByTestId("insufficient").textContent()) as string;
    const missing = quoted - 5n;
    const whole = `${missing / 1_000_000n}.${(missing % 1_000_000n).toString().padStart(6, "0")}`.replace(/\.?0+$/, "");
    expect(text).to.contain(`${whole} CYXWIZ missing`);
    expect(await page.getByTestId("fund-submit").isDisabled()).to.equal(true);
    await page.screenshot({ path: join(RESULTS, "insufficient-funds.png"), fullPage: true });
    await page.close();
  });
});
