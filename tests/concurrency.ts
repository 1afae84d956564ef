import { expect } from "chai";

import { jobIdToHex, proofHashOf, releaseSplit, tokenBalances } from "@cyxwiz/sdk";
import { type TestWallet, useEscrowSuite } from "./setup";

const ESCROWS = 50;
const PAYERS = 10;
const NODES = 5;

describe("concurrency", () => {
  const suite = useEscrowSuite();

  it(`${ESCROWS} escrows run create → lock → release concurrently and every balance is exact`, async () => {
    const { chain, ledger } = suite;
    const coordinator = chain.keys.coordinator;
    // Amounts that do not divide evenly, so every escrow exercises the fee rounding.
    const amountFor = (index: number) => 1_000_003n + BigInt(index) * 7_919n;
    const perPayer = (payer: number) => {
      let total = 0n;
      for (let index = payer; index < ESCROWS; index += PAYERS) total += amountFor(index);
      return total;
    };
    const payers: TestWallet[] = await Promise.all(Array.from({ length: PAYERS }, (_, payer) => suite.wallet(perPayer(payer))));
    const nodes: TestWallet[] = await Promise.all(Array.from({ length: NODES }, () => suite.wallet()));

    const outcomes = await Promise.all(
      Array.from({ length: ESCROWS }, async (_, index) => {
        const payer = payers[index % PAYERS];
        const node = nodes[index % NODES];
        const amount = amountFor(index);
        const { escrow, vault, jobId } = await suite.createEscrow(payer, amount);
        await chain.client.lockEscrow({ coordinator, escrow, node: node.publicKey });
        await chain.client.releaseEscrow({
          coordinator,
          escrow,
          node: node.publicKey,
          proofHash: proofHashOf(jobIdToHex(jobId)),
        });
        const split = releaseSplit(amount, 1_000);
        ledger.move(vault, node.token, split.node);
        ledger.move(vault, chain.treasury, split.platform);
        return { escrow, vault };
      }),
    );

    const vaults = await tokenBalances(
      chain.connection,
      outcomes.map(({ vault }) => vault),
    );
    expect(
      vaults.every((balance) => balance === 0n),
      "a vault kept tokens",
    ).to.equal(true);
    const payerBalances = await tokenBalances(
      chain.connection,
      payers.map((payer) => payer.token),
    );
    expect(
      payerBalances.every((balance) => balance === 0n),
      "a payer kept tokens",
    ).to.equal(true);
    const states = await Promise.all(outcomes.map(({ escrow }) => chain.client.fetchEscrow(escrow)));
    expect(states.map((state) => state?.status)).to.deep.equal(Array(ESCROWS).fill("Released"));
    // The ledger's afterEach check then compares every node, payer, vault and the treasury.
  });
});
