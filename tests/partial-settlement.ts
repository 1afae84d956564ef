import { expect } from "chai";

import { eventsNamed, proofHashOf, tokenBalance, transactionEvents } from "@cyxwiz/sdk";
import { amountOf, useEscrowSuite } from "./setup";

describe("partial settlement on timeout", () => {
  const suite = useEscrowSuite();

  it("settle_partial pays the node its share less the fee and returns the rest to the payer", async () => {
    const { chain, ledger } = suite;
    const coordinator = chain.keys.coordinator;
    const payer = await suite.wallet(1_000_000n);
    const node = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 1_000_000n);
    await chain.client.lockEscrow({ coordinator, escrow, node: node.publicKey });

    // 25% of the work verified: gross 250 000, fee 25 000, node 225 000, payer 750 000.
    const signature = await chain.client.settlePartial({
      coordinator,
      escrow,
      node: node.publicKey,
      payer: payer.publicKey,
      nodeShareBps: 2_500,
      proofHash: proofHashOf("checkpoint at 25%"),
    });
    ledger.move(vault, node.token, 225_000n);
    ledger.move(vault, chain.treasury, 25_000n);
    ledger.move(vault, payer.token, 750_000n);

    expect(await tokenBalance(chain.connection, node.token)).to.equal(225_000n);
    expect(await tokenBalance(chain.connection, payer.token)).to.equal(750_000n);
    const [event] = eventsNamed(await transactionEvents(chain.connection, signature), "escrowPartiallySettledEvent");
    expect(event.nodeShareBps).to.equal(2_500);
    expect([amountOf(event.nodeAmount), amountOf(event.platformAmount), amountOf(event.payerAmount)]).to.deep.equal([
      225_000n,
      25_000n,
      750_000n,
    ]);
    expect((await chain.client.fetchEscrow(escrow))?.status).to.equal("Released");
  });

  it("share dust goes back to the payer and fee dust stays with the node", async () => {
    const { chain, ledger } = suite;
    const coordinator = chain.keys.coordinator;
    const payer = await suite.wallet(3n);
    const node = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 3n);
    await chain.client.lockEscrow({ coordinator, escrow, node: node.publicKey });

    // 50% of 3 is 1.5: the node's gross is 1, its fee floor(0.1) = 0; the payer gets 2.
    await chain.client.settlePartial({
      coordinator,
      escrow,
      node: node.publicKey,
      payer: payer.publicKey,
      nodeShareBps: 5_000,
      proofHash: proofHashOf("half"),
    });
    ledger.move(vault, node.token, 1n);
    ledger.move(vault, payer.token, 2n);
    expect(await tokenBalance(chain.connection, node.token)).to.equal(1n);
    expect(await tokenBalance(chain.connection, payer.token)).to.equal(2n);
  });
});
