import { expect } from "chai";

import { proofHashOf, tokenBalance } from "@cyxwiz/sdk";
import { expectEscrowError, useEscrowSuite } from "./setup";

describe("unlock and reassignment", () => {
  const suite = useEscrowSuite();

  it("unlock takes the job back so it can be locked to another node, which is then paid", async () => {
    const { chain, ledger } = suite;
    const coordinator = chain.keys.coordinator;
    const payer = await suite.wallet(2_000_000n);
    const vanished = await suite.wallet();
    const replacement = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 2_000_000n);

    await chain.client.lockEscrow({ coordinator, escrow, node: vanished.publicKey });
    await chain.client.unlockEscrow({ coordinator, escrow });
    const unlocked = await chain.client.fetchEscrow(escrow);
    expect(unlocked?.status).to.equal("Created");
    expect(unlocked?.payee).to.equal(null);
    expect(unlocked?.attempt).to.equal(1);

    await chain.client.lockEscrow({ coordinator, escrow, node: replacement.publicKey });
    const relocked = await chain.client.fetchEscrow(escrow);
    expect(relocked?.payee?.equals(replacement.publicKey)).to.equal(true);

    await chain.client.releaseEscrow({ coordinator, escrow, node: replacement.publicKey, proofHash: proofHashOf("w") });
    ledger.move(vault, replacement.token, 1_800_000n);
    ledger.move(vault, chain.treasury, 200_000n);
    expect(await tokenBalance(chain.connection, replacement.token)).to.equal(1_800_000n);
    expect(await tokenBalance(chain.connection, vanished.token)).to.equal(0n);
  });

  it("error: after reassignment, paying the previous node fails with WrongPayee", async () => {
    const { chain } = suite;
    const coordinator = chain.keys.coordinator;
    const payer = await suite.wallet(1_000n);
    const vanished = await suite.wallet();
    const replacement = await suite.wallet();
    const { escrow } = await suite.createEscrow(payer, 1_000n);
    await chain.client.lockEscrow({ coordinator, escrow, node: vanished.publicKey });
    await chain.client.unlockEscrow({ coordinator, escrow });
    await chain.client.lockEscrow({ coordinator, escrow, node: replacement.publicKey });

    await expectEscrowError(
      chain.client.releaseEscrow({ coordinator, escrow, node: vanished.publicKey, proofHash: proofHashOf("w") }),
      "WrongPayee",
    );
    expect((await chain.client.fetchEscrow(escrow))?.status).to.equal("Locked");
  });
});
