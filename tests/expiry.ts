import { expect } from "chai";

import { eventsNamed, tokenBalance, transactionEvents, warpClock } from "@cyxwiz/sdk";
import { useEscrowSuite } from "./setup";

describe("expiry", () => {
  const suite = useEscrowSuite();

  it("after expiry a third party returns everything to the payer, coordinator or not", async () => {
    const { chain, ledger } = suite;
    const payer = await suite.wallet(750_000n);
    const node = await suite.wallet();
    const stranger = await suite.wallet();
    // Close to the shortest lifetime the config allows (60 s), with a margin for the
    // chain clock advancing between reading it and the transaction landing.
    const { escrow, vault } = await suite.createEscrow(payer, 750_000n, 90);
    await chain.client.lockEscrow({ coordinator: chain.keys.coordinator, escrow, node: node.publicKey });

    await warpClock(chain.connection, { seconds: 180 });
    const signature = await chain.client.reclaimExpired({ caller: stranger.keypair, escrow, payer: payer.publicKey });
    ledger.move(vault, payer.token, 750_000n);

    expect(await tokenBalance(chain.connection, payer.token)).to.equal(750_000n);
    expect(await tokenBalance(chain.connection, stranger.token)).to.equal(0n);
    const state = await chain.client.fetchEscrow(escrow);
    expect(state?.status).to.equal("Expired");
    expect(state?.refunded).to.equal(750_000n);
    const expired = eventsNamed(await transactionEvents(chain.connection, signature), "escrowExpiredEvent");
    expect(expired).to.have.length(1);
    expect(expired[0].payer.equals(payer.publicKey)).to.equal(true);
  });
});
