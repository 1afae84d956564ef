import { expect } from "chai";

import { eventsNamed, getEscrowHistory, jobIdToHex, proofHashOf, tokenBalance, transactionEvents } from "@cyxwiz/sdk";
import { amountOf, useEscrowSuite } from "./setup";

describe("escrow lifecycle: create → lock → release", () => {
  const suite = useEscrowSuite();

  it("create moves the amount from the payer into the escrow's vault", async () => {
    const { chain } = suite;
    const payer = await suite.wallet(5_000_000n);
    const { escrow, vault, jobId } = await suite.createEscrow(payer, 1_000_000n);

    expect(await tokenBalance(chain.connection, payer.token)).to.equal(4_000_000n);
    expect(await tokenBalance(chain.connection, vault)).to.equal(1_000_000n);
    const state = await chain.client.fetchEscrow(escrow);
    expect(state?.status).to.equal("Created");
    expect(state?.amount).to.equal(1_000_000n);
    expect(state?.feeBps).to.equal(1_000);
    expect(state?.payer.equals(payer.publicKey)).to.equal(true);
    expect(state?.payee).to.equal(null);
    expect(jobIdToHex(state?.jobId ?? new Uint8Array())).to.equal(jobIdToHex(jobId));
  });

  it("release pays 90% to the node and 10% to the treasury", async () => {
    const { chain, ledger } = suite;
    const coordinator = chain.keys.coordinator;
    const payer = await suite.wallet(5_000_000n);
    const node = await suite.wallet();
    const treasuryBefore = await tokenBalance(chain.connection, chain.treasury);
    const { escrow, vault, jobId } = await suite.createEscrow(payer, 1_000_000n);
    await chain.client.lockEscrow({ coordinator, escrow, node: node.publicKey });

    const proofHash = proofHashOf("weights of the trained model");
    const signature = await chain.client.releaseEscrow({ coordinator, escrow, node: node.publicKey, proofHash });
    ledger.move(vault, node.token, 900_000n);
    ledger.move(vault, chain.treasury, 100_000n);

    expect(await tokenBalance(chain.connection, node.token)).to.equal(900_000n);
    expect(await tokenBalance(chain.connection, chain.treasury)).to.equal(treasuryBefore + 100_000n);
    expect(await tokenBalance(chain.connection, payer.token)).to.equal(4_000_000n);
    expect(await tokenBalance(chain.connection, vault)).to.equal(0n);

    const released = eventsNamed(await transactionEvents(chain.connection, signature), "escrowReleasedEvent");
    expect(released).to.have.length(1);
    const event = released[0];
    expect(event.escrow.equals(escrow)).to.equal(true);
    expect(event.node.equals(node.publicKey)).to.equal(true);
    expect(jobIdToHex(Uint8Array.from(event.jobId))).to.equal(jobIdToHex(jobId));
    expect(amountOf(event.amount)).to.equal(1_000_000n);
    expect(amountOf(event.nodeAmount)).to.equal(900_000n);
    expect(amountOf(event.platformAmount)).to.equal(100_000n);
    expect(Buffer.from(event.proofHash).equals(Buffer.from(proofHash))).to.equal(true);
    expect(event.status).to.deep.equal({ released: {} });

    const state = await chain.client.fetchEscrow(escrow);
    expect(state?.status).to.equal("Released");
    expect([state?.nodePaid, state?.platformPaid, state?.refunded]).to.deep.equal([900_000n, 100_000n, 0n]);
  });

  it("the escrow's history lists its created, locked and released events in order", async () => {
    const { chain, ledger } = suite;
    const coordinator = chain.keys.coordinator;
    const payer = await suite.wallet(1_000n);
    const node = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 1_000n);
    await chain.client.lockEscrow({ coordinator, escrow, node: node.publicKey });
    await chain.client.releaseEscrow({ coordinator, escrow, node: node.publicKey, proofHash: proofHashOf("w") });
    ledger.move(vault, node.token, 900n);
    ledger.move(vault, chain.treasury, 100n);

    const history = await getEscrowHistory(chain.connection, escrow);
    const names = history.flatMap((entry) => entry.events.map((event) => event.name));
    expect(names).to.deep.equal(["escrowCreatedEvent", "escrowLockedEvent", "escrowReleasedEvent"]);
    expect(history.every((entry) => entry.err === null)).to.equal(true);
  });

  it("close after release returns the rent of the escrow and its vault to the payer", async () => {
    const { chain, ledger } = suite;
    const coordinator = chain.keys.coordinator;
    const payer = await suite.wallet(10n);
    const node = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 10n);
    await chain.client.lockEscrow({ coordinator, escrow, node: node.publicKey });
    await chain.client.releaseEscrow({ coordinator, escrow, node: node.publicKey, proofHash: proofHashOf("w") });
    ledger.move(vault, node.token, 9n);
    ledger.move(vault, chain.treasury, 1n);

    const rent = (await chain.connection.getBalance(escrow)) + (await chain.connection.getBalance(vault));
    const lamportsBefore = await chain.connection.getBalance(payer.publicKey);
    // The coordinator closes and pays the fee, so the payer's gain is exactly the rent.
    await chain.client.closeEscrow({ authority: coordinator, escrow, payer: payer.publicKey });

    expect(await chain.connection.getAccountInfo(escrow)).to.equal(null);
    expect(await chain.connection.getAccountInfo(vault)).to.equal(null);
    expect(await chain.connection.getBalance(payer.publicKey)).to.equal(lamportsBefore + rent);
  });
});
