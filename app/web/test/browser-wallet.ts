/**
 * The dashboard in a real browser against everything real (set-up in harness/dashboard.ts),
 * with a browser wallet (Wallet Standard): it signs the quote request; when it rejects the
 * escrow transaction nothing moves, and when it approves the job is trained by the node
 * agent and Released with the 90/10 split paid on chain.
 */
import { join } from "node:path";

import { PublicKey } from "@solana/web3.js";
import { expect } from "chai";

import { fetchEscrow, jobEscrowProgram, releaseSplit, tokenBalance } from "@cyxwiz/sdk";
import { generateDatasetBytes } from "@cyxwiz/trainer";
import { testIpfs } from "../../../coordinator/test/harness/ipfs-harness";
import { baseUnits, CLIENT_TOKENS, describeDashboard, RESULTS, WAIT_MS } from "./harness/dashboard";

describeDashboard("web dashboard in chromium: quote → fund → submit → Released 90/10 → node earnings", (s) => {
  const { quoteSmallJob, walletPage } = s;

  before(() => {
    s.startAgent();
  });

  it("a browser wallet (Wallet Standard) signs the quote request; when it rejects the escrow transaction the page says so and nothing moves", async () => {
    const { client, page } = await walletPage(false);
    await page.getByTestId("dataset-cid").fill("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy");
    await page.getByTestId("get-quote").click();
    // The quote is a signed request: the wallet's signMessage (WebCrypto Ed25519 here) verified at the coordinator.
    await page.getByTestId("quote").waitFor();
    expect(await page.evaluate(() => (window as unknown as { __signedMessages: number }).__signedMessages)).to.be.at.least(1);
    await page.getByTestId("fund-submit").click();
    const banner = page.getByTestId("error").filter({ hasText: "did not sign" });
    await banner.waitFor();
    expect(await banner.textContent()).to.match(/WALLET_REJECTED|did not sign.*nothing was sent/);
    expect(await page.evaluate(() => (window as unknown as { __rejectedTransactions: number }).__rejectedTransactions)).to.equal(1);
    expect(await tokenBalance(s.connection, client.token), "no tokens moved").to.equal(CLIENT_TOKENS);
    expect(page.url()).to.match(/#\/client$/);
    await page.screenshot({ path: join(RESULTS, "wallet-rejected.png"), fullPage: true });
    await page.close();
  });

  it("a browser wallet (Wallet Standard) that approves: it signs the escrow transaction, the job is trained and Released, the 90/10 split paid on chain", async () => {
    const { client, page } = await walletPage(true);
    const datasetCid = await testIpfs().add(generateDatasetBytes());
    const quoted = await quoteSmallJob(page, datasetCid);
    await page.getByTestId("fund-submit").click();
    await page.waitForURL(/#\/jobs\/[0-9a-f]{64}$/, { timeout: 60_000 });
    await page.getByTestId("released").waitFor({ timeout: WAIT_MS });
    expect(
      await page.evaluate(() => (window as unknown as { __signedTransactions: number }).__signedTransactions),
      "the wallet signed the escrow's creation",
    ).to.be.at.least(1);
    const escrowAddress = new PublicKey((await page.locator("[data-testid=escrow] code").first().textContent()) as string);
    const escrow = await fetchEscrow(jobEscrowProgram(s.connection), escrowAddress);
    const split = releaseSplit(quoted, 1_000);
    expect(escrow?.status).to.equal("Released");
    expect(escrow?.payer.toBase58(), "the browser wallet's account paid").to.equal(client.keypair.publicKey.toBase58());
    expect(escrow?.nodePaid).to.equal(split.node);
    expect(escrow?.platformPaid).to.equal(split.platform);
    expect(await tokenBalance(s.connection, client.token)).to.equal(CLIENT_TOKENS - quoted);
    expect(await baseUnits(page, "paid-node")).to.equal(split.node);
    await page.screenshot({ path: join(RESULTS, "wallet-approved-released.png"), fullPage: true });
    await page.close();
  });
});
