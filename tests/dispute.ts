import { expect } from "chai";

import { chainUnixTime, eventsNamed, tokenBalance, transactionEvents } from "@cyxwiz/sdk";
import { amountOf, balanceSnapshot, DAY, expectEscrowError, useEscrowSuite } from "./setup";

describe("disputes", () => {
  const suite = useEscrowSuite();

  it("open_dispute by the payer freezes a locked escrow for the arbiter's window", async () => {
    const { chain } = suite;
    const payer = await suite.wallet(1_000n);
    const node = await suite.wallet();
    // Shorter than the 7-day window, so the dispute must push the expiry out.
    const { escrow } = await suite.createEscrow(payer, 1_000n, DAY);
    await chain.client.lockEscrow({ coordinator: chain.keys.coordinator, escrow, node: node.publicKey });

    const before = await chainUnixTime(chain.connection);
    await chain.client.openDispute({ party: payer.keypair, escrow });
    const state = await chain.client.fetchEscrow(escrow);
    expect(state?.status).to.equal("Disputed");
    expect(state?.expiresAt).to.be.at.least(before + chain.client.config.disputeWindowSecs);
  });

  it("resolve_dispute by the arbiter splits the amount by its ruling", async () => {
    const { chain, ledger } = suite;
    const payer = await suite.wallet(1_000_000n);
    const node = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 1_000_000n);
    await chain.client.lockEscrow({ coordinator: chain.keys.coordinator, escrow, node: node.publicKey });
    await chain.client.openDispute({ party: node.keypair, escrow });

    // 60% to the node: gross 600 000, fee 60 000, node 540 000, payer 400 000.
    const signature = await chain.client.resolveDispute({
      arbiter: chain.keys.arbiter,
      escrow,
      node: node.publicKey,
      payer: payer.publicKey,
      nodeShareBps: 6_000,
    });
    ledger.move(vault, node.token, 540_000n);
    ledger.move(vault, chain.treasury, 60_000n);
    ledger.move(vault, payer.token, 400_000n);

    expect(await tokenBalance(chain.connection, node.token)).to.equal(540_000n);
    expect(await tokenBalance(chain.connection, payer.token)).to.equal(400_000n);
    const [event] = eventsNamed(await transactionEvents(chain.connection, signature), "disputeResolvedEvent");
    expect(event.arbiter.equals(chain.keys.arbiter.publicKey)).to.equal(true);
    expect(amountOf(event.payerAmount)).to.equal(400_000n);
    expect((await chain.client.fetchEscrow(escrow))?.status).to.equal("Released");
  });

  it("error: resolve_dispute by the coordinator fails with Unauthorized", async () => {
    const { chain } = suite;
    const payer = await suite.wallet(1_000n);
    const node = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 1_000n);
    await chain.client.lockEscrow({ coordinator: chain.keys.coordinator, escrow, node: node.publicKey });
    await chain.client.openDispute({ party: payer.keypair, escrow });
    const accounts = [payer.token, node.token, vault, chain.treasury];
    const before = await balanceSnapshot(chain, accounts);

    await expectEscrowError(
      chain.client.resolveDispute({
        arbiter: chain.keys.coordinator,
        escrow,
        node: node.publicKey,
        payer: payer.publicKey,
        nodeShareBps: 10_000,
      }),
      "Unauthorized",
    );
    expect(await balanceSnapshot(chain, accounts)).to.deep.equal(before);
    expect((await chain.client.fetchEscrow(escrow))?.status).to.equal("Disputed");
  });
});
