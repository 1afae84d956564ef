/**
 * Security tests 37 and 35 (verifier half) against the real localnet: every escrow
 * is created through the SDK, and every refusal leaves balances and the escrow as
 * they were (the suite's shadow ledger checks the balances after each test).
 */
import { expect } from "chai";
import { Keypair, type PublicKey } from "@solana/web3.js";

import {
  EscrowRejection,
  type EscrowRejectionCode,
  type SubmissionEscrowDeps,
  type SubmissionEscrow,
  verifySubmissionEscrow,
} from "../../src/chain";
import { chainUnixTime, configAddress, escrowAddress } from "@cyxwiz/sdk";
import { balanceSnapshot, newJobId, useEscrowSuite } from "../../../tests/setup";
import { fundedJob, type FundedJob } from "../harness/chain-harness";

const HOUR = 3_600;
const TEN_MINUTES_MS = 10 * 60 * 1_000;

describe("chain: escrow verification at submission (37, 35)", function () {
  this.timeout(60_000);
  const suite = useEscrowSuite();

  const deps = (mint?: PublicKey): SubmissionEscrowDeps => ({
    connection: suite.chain.connection,
    program: suite.chain.client.program,
    mint: mint ?? suite.chain.client.config.mint,
  });

  const submission = (job: FundedJob, changes: Partial<SubmissionEscrow> = {}): SubmissionEscrow => ({
    escrow: job.escrow,
    payer: job.payer.publicKey,
    jobId: job.jobId,
    minAmount: job.amount,
    minRemainingSecs: HOUR,
    ...changes,
  });

  /** Expects `code`, and that the refusal changed no balance and not the escrow. */
  async function expectRejected(job: FundedJob, s: SubmissionEscrow, code: EscrowRejectionCode, verifierDeps = deps()) {
    const accounts = [job.payer.token, job.vault, suite.chain.treasury];
    const balances = await balanceSnapshot(suite.chain, accounts);
    const escrowBefore = await suite.chain.client.fetchEscrow(job.escrow);
    let error: unknown;
    try {
      await verifySubmissionEscrow(verifierDeps, s);
    } catch (e) {
      error = e;
    }
    expect(error, `expected ${code}`).to.be.instanceOf(EscrowRejection);
    const rejection = error as EscrowRejection;
    expect(rejection.code).to.equal(code);
    // A sentence that names the problem and a fix, for the client.
    expect(rejection.reason).to.match(/: [a-z].+\.$/);
    expect(await balanceSnapshot(suite.chain, accounts)).to.deep.equal(balances);
    expect(await suite.chain.client.fetchEscrow(job.escrow)).to.deep.equal(escrowBefore);
    return rejection;
  }

  it("accepts the caller's Created escrow holding the quote with enough lifetime, and returns it decoded", async () => {
    const job = await fundedJob(suite, 5_000n);
    const escrow = await verifySubmissionEscrow(deps(), submission(job));
    expect(escrow.address.equals(job.escrow)).to.equal(true);
    expect(escrow.amount).to.equal(5_000n);
    expect(escrow.status).to.equal("Created");
    expect(escrow.payer.equals(job.payer.publicKey)).to.equal(true);
  });

  it("accepts an escrow holding more than the quote", async () => {
    const job = await fundedJob(suite, 5_000n);
    const escrow = await verifySubmissionEscrow(deps(), submission(job, { minAmount: 4_999n }));
    expect(escrow.amount).to.equal(5_000n);
  });

  it("37: refuses an escrow address with no account", async () => {
    const job = await fundedJob(suite, 1_000n);
    const missing = Keypair.generate().publicKey;
    const rejection = await expectRejected(job, submission(job, { escrow: missing }), "ESCROW_NOT_FOUND");
    expect(rejection.reason).to.contain(missing.toBase58()).and.to.contain("create_escrow");
  });

  it("37: refuses an account owned by another program (the payer's token account)", async () => {
    const job = await fundedJob(suite, 1_000n);
    const rejection = await expectRejected(job, submission(job, { escrow: job.payer.token }), "ESCROW_WRONG_PROGRAM");
    expect(rejection.reason).to.contain("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
  });

  it("37: refuses an account owned by another program (a plain wallet)", async () => {
    const job = await fundedJob(suite, 1_000n);
    await expectRejected(job, submission(job, { escrow: job.payer.publicKey }), "ESCROW_WRONG_PROGRAM");
  });

  it("37: refuses a JobEscrow account that is not an escrow (the config)", async () => {
    const job = await fundedJob(suite, 1_000n);
    await expectRejected(job, submission(job, { escrow: configAddress() }), "ESCROW_NOT_JOB_ESCROW");
  });

  it("37: refuses an escrow funded by another wallet than the caller", async () => {
    const job = await fundedJob(suite, 1_000n);
    const stranger = await suite.wallet();
    const rejection = await expectRejected(job, submission(job, { payer: stranger.publicKey }), "ESCROW_WRONG_PAYER");
    expect(rejection.reason).to.contain(job.payer.publicKey.toBase58()).and.to.contain(stranger.publicKey.toBase58());
  });

  it("37: refuses the caller's escrow of another job", async () => {
    const job = await fundedJob(suite, 1_000n);
    const otherJobId = newJobId();
    const rejection = await expectRejected(job, submission(job, { jobId: otherJobId }), "ESCROW_NOT_FOR_JOB");
    expect(rejection.reason).to.contain(escrowAddress(job.payer.publicKey, otherJobId).toBase58());
  });

  it("37: refuses an escrow whose mint is not the configured mint", async () => {
    const job = await fundedJob(suite, 1_000n);
    const otherMint = Keypair.generate().publicKey;
    const rejection = await expectRejected(job, submission(job), "ESCROW_WRONG_MINT", deps(otherMint));
    expect(rejection.reason).to.contain(otherMint.toBase58());
  });

  it("37: refuses an escrow holding less than the quote, quoting both amounts", async () => {
    const job = await fundedJob(suite, 1_000n);
    const rejection = await expectRejected(job, submission(job, { minAmount: 1_001n }), "ESCROW_UNDERFUNDED");
    expect(rejection.reason).to.contain("1000").and.to.contain("1001");
  });

  it("37: refuses an escrow that is already locked to a node (not Created)", async () => {
    const job = await fundedJob(suite, 1_000n);
    await suite.chain.client.lockEscrow({
      coordinator: suite.chain.keys.coordinator,
      escrow: job.escrow,
      node: job.node.publicKey,
    });
    const rejection = await expectRejected(job, submission(job), "ESCROW_NOT_CREATED");
    expect(rejection.reason).to.contain("Locked");
  });

  it("37: refuses an escrow that expires sooner than the job needs, by the chain clock", async () => {
    const job = await fundedJob(suite, 1_000n, 120);
    const rejection = await expectRejected(job, submission(job, { minRemainingSecs: HOUR }), "ESCROW_EXPIRES_TOO_SOON");
    const remaining = Number(/expires in (\d+) s/.exec(rejection.reason)?.[1]);
    expect(remaining).to.be.within(60, 120);
  });

  describe("35: a coordinator clock 10 minutes off changes nothing", () => {
    const realNow = Date.now;
    // The local clock set 10 min off the CHAIN's clock (the shared localnet's
    // clock may have been warped forward by other suites, so not off wall time).
    const skew = async (offsetMs: number) => {
      const chainOffsetMs = (await chainUnixTime(suite.chain.connection)) * 1_000 - realNow();
      Date.now = () => realNow() + chainOffsetMs + offsetMs;
    };
    afterEach(() => {
      Date.now = realNow;
    });

    it("35: a clock 10 min ahead does not reject an escrow that lives long enough by the chain clock", async () => {
      // 15 min left by the chain; a verifier trusting the local clock would see 5 < 10.
      const job = await fundedJob(suite, 1_000n, 15 * 60);
      await skew(+TEN_MINUTES_MS);
      const escrow = await verifySubmissionEscrow(deps(), submission(job, { minRemainingSecs: 10 * 60 }));
      expect(escrow.status).to.equal("Created");
    });

    it("35: a clock 10 min behind does not accept an escrow that expires too soon by the chain clock", async () => {
      // 5 min left by the chain; a verifier trusting the local clock would see 15 ≥ 10.
      const job = await fundedJob(suite, 1_000n, 5 * 60);
      await skew(-TEN_MINUTES_MS);
      await expectRejected(job, submission(job, { minRemainingSecs: 10 * 60 }), "ESCROW_EXPIRES_TOO_SOON");
      const chainNow = await chainUnixTime(suite.chain.connection);
      expect(chainNow - Math.floor(Date.now() / 1_000)).to.be.within(9 * 60, 11 * 60);
      Date.now = realNow;
    });
  });
});
