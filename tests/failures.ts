import { expect } from "chai";

import { escrowAddress, proofHashOf, refundEscrowInstruction, sendInstructions } from "@cyxwiz/sdk";
import { balanceSnapshot, expectEscrowError, expiresIn, newJobId, useEscrowSuite } from "./setup";

describe("failures leave every balance unchanged", () => {
  const suite = useEscrowSuite();

  it("error: release by a stranger fails with Unauthorized", async () => {
    const { chain } = suite;
    const payer = await suite.wallet(1_000n);
    const node = await suite.wallet();
    const stranger = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 1_000n);
    await chain.client.lockEscrow({ coordinator: chain.keys.coordinator, escrow, node: node.publicKey });
    const accounts = [payer.token, node.token, vault, chain.treasury];
    const before = await balanceSnapshot(chain, accounts);

    await expectEscrowError(
      chain.client.releaseEscrow({
        coordinator: stranger.keypair,
        escrow,
        node: node.publicKey,
        proofHash: proofHashOf("w"),
      }),
      "Unauthorized",
    );
    expect(await balanceSnapshot(chain, accounts)).to.deep.equal(before);
    expect((await chain.client.fetchEscrow(escrow))?.status).to.equal("Locked");
  });

  it("error: releasing twice fails with InvalidStatus", async () => {
    const { chain, ledger } = suite;
    const coordinator = chain.keys.coordinator;
    const payer = await suite.wallet(1_000n);
    const node = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 1_000n);
    await chain.client.lockEscrow({ coordinator, escrow, node: node.publicKey });
    await chain.client.releaseEscrow({ coordinator, escrow, node: node.publicKey, proofHash: proofHashOf("first") });
    ledger.move(vault, node.token, 900n);
    ledger.move(vault, chain.treasury, 100n);
    const accounts = [payer.token, node.token, vault, chain.treasury];
    const before = await balanceSnapshot(chain, accounts);

    // Another proof, so it is a new transaction rather than a duplicate of the first.
    await expectEscrowError(
      chain.client.releaseEscrow({ coordinator, escrow, node: node.publicKey, proofHash: proofHashOf("second") }),
      "InvalidStatus",
    );
    expect(await balanceSnapshot(chain, accounts)).to.deep.equal(before);
  });

  it("error: a refund to a foreign token account fails with WrongPayer", async () => {
    const { chain } = suite;
    const coordinator = chain.keys.coordinator;
    const payer = await suite.wallet(1_000n);
    const thief = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 1_000n);
    const accounts = [payer.token, thief.token, vault];
    const before = await balanceSnapshot(chain, accounts);

    const instruction = await refundEscrowInstruction(chain.client.program, {
      authority: coordinator.publicKey,
      escrow,
      mint: chain.mint,
      payerToken: thief.token,
    });
    await expectEscrowError(sendInstructions(chain.connection, [instruction], [coordinator]), "WrongPayer");
    expect(await balanceSnapshot(chain, accounts)).to.deep.equal(before);
    expect((await chain.client.fetchEscrow(escrow))?.status).to.equal("Created");
  });

  it("error: reclaim before expiry fails with NotExpired", async () => {
    const { chain } = suite;
    const payer = await suite.wallet(1_000n);
    const stranger = await suite.wallet();
    const { escrow, vault } = await suite.createEscrow(payer, 1_000n);
    const accounts = [payer.token, vault];
    const before = await balanceSnapshot(chain, accounts);

    await expectEscrowError(chain.client.reclaimExpired({ caller: stranger.keypair, escrow, payer: payer.publicKey }), "NotExpired");
    expect(await balanceSnapshot(chain, accounts)).to.deep.equal(before);
  });

  it("error: an escrow of zero tokens fails with AmountTooSmall", async () => {
    const { chain } = suite;
    const payer = await suite.wallet(1_000n);
    const jobId = newJobId();
    const before = await balanceSnapshot(chain, [payer.token]);

    await expectEscrowError(
      chain.client.createEscrow({ payer: payer.keypair, jobId, amount: 0n, expiresAt: await expiresIn(chain, 3_600) }),
      "AmountTooSmall",
    );
    expect(await balanceSnapshot(chain, [payer.token])).to.deep.equal(before);
    expect(await chain.connection.getAccountInfo(escrowAddress(payer.publicKey, jobId))).to.equal(null);
  });
});
