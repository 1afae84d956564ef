/** SDK behaviour that needs no chain: split math, seeds, job ids, error decoding, event parsing. */
import { expect } from "chai";
import { BN, BorshCoder } from "@coral-xyz/anchor";
import { PublicKey, SendTransactionError } from "@solana/web3.js";

import {
  CAMEL_CASE_IDL,
  CONFIG_SEED,
  decodeProgramError,
  ESCROW_SEED,
  EscrowProgramError,
  IDL,
  JOB_ESCROW_PROGRAM_ID,
  jobIdFromHex,
  jobIdFromUuid,
  jobIdToHex,
  parseEvents,
  split,
  SplitRangeError,
  VAULT_SEED,
} from "@cyxwiz/sdk";

describe("sdk: split mirrors programs/job-escrow/src/math.rs", () => {
  it("a full release on the default fee is 90/10", () => {
    expect(split(1_000_000n, 10_000, 1_000)).to.deep.equal({ node: 900_000n, platform: 100_000n, payer: 0n });
  });

  it("fee dust stays with the node", () => {
    expect(split(19n, 10_000, 1_000)).to.deep.equal({ node: 18n, platform: 1n, payer: 0n });
  });

  it("share dust goes back to the payer", () => {
    expect(split(3n, 5_000, 0)).to.deep.equal({ node: 1n, platform: 0n, payer: 2n });
  });

  it("node + platform + payer is the amount, up to u64::MAX", () => {
    const max = (1n << 64n) - 1n;
    for (const [amount, share, fee] of [
      [max, 10_000, 2_000],
      [max, 3_333, 1_999],
      [123_456_789n, 1, 1],
      [1n, 9_999, 2_000],
    ] as const) {
      const parts = split(amount, share, fee);
      expect(parts.node + parts.platform + parts.payer).to.equal(amount);
    }
  });

  it("a share above 100% is refused", () => {
    expect(() => split(10n, 10_001, 0)).to.throw(SplitRangeError);
  });
});

describe("sdk: addresses and ids", () => {
  it("PDA seeds are the ones in the IDL", () => {
    const create = IDL.instructions.find((instruction) => instruction.name === "create_escrow");
    const seedOf = (account: string) => {
      const seeds = create?.accounts.find((candidate) => "name" in candidate && candidate.name === account);
      const first = seeds !== undefined && "pda" in seeds ? seeds.pda?.seeds[0] : undefined;
      return first?.kind === "const" ? Buffer.from(first.value) : undefined;
    };
    expect(seedOf("config")?.equals(CONFIG_SEED)).to.equal(true);
    expect(seedOf("escrow")?.equals(ESCROW_SEED)).to.equal(true);
    expect(seedOf("vault")?.equals(VAULT_SEED)).to.equal(true);
  });

  it("a uuid names the same job in any letter case", () => {
    const lower = jobIdFromUuid("0f8fad5b-d9cb-469f-a165-70867728950e");
    const upper = jobIdFromUuid("0F8FAD5B-D9CB-469F-A165-70867728950E");
    expect(jobIdToHex(upper)).to.equal(jobIdToHex(lower));
    expect(jobIdToHex(jobIdFromHex(jobIdToHex(lower)))).to.equal(jobIdToHex(lower));
    expect(lower).to.have.length(32);
  });
});

describe("sdk: decoding program errors", () => {
  const programId = JOB_ESCROW_PROGRAM_ID.toBase58();

  it("a preflight failure with Anchor's error log decodes to the error's name and code", () => {
    const logs = [
      `Program ${programId} invoke [1]`,
      "Program log: Instruction: ReleaseEscrow",
      "Program log: AnchorError caused by account: config. Error Code: Unauthorized. Error Number: 6000. Error Message: Signer is not allowed to perform this action.",
      `Program ${programId} consumed 5000 of 200000 compute units`,
      `Program ${programId} failed: custom program error: 0x1770`,
    ];
    const error = new SendTransactionError({
      action: "simulate",
      signature: "",
      transactionMessage: "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1770",
      logs,
    });
    const decoded = decodeProgramError(error);
    expect(decoded).to.be.instanceOf(EscrowProgramError);
    expect([decoded?.name, decoded?.code, decoded?.origin]).to.deep.equal(["Unauthorized", 6000, "JobEscrow"]);
  });

  it("an Anchor error log Anchor cannot parse still decodes by the failing program's code", () => {
    // has_one errors log `Left:`/`Right:` followed by the two keys; here the keys are missing.
    const logs = [
      `Program ${programId} invoke [1]`,
      "Program log: AnchorError caused by account: config. Error Code: Unauthorized. Error Number: 6000. Error Message: Signer is not allowed to perform this action.",
      "Program log: Left:",
      "Program log: Right:",
      `Program ${programId} failed: custom program error: 0x1770`,
    ];
    const decoded = decodeProgramError({ logs });
    expect([decoded?.name, decoded?.code]).to.deep.equal(["Unauthorized", 6000]);
  });

  it("a raw custom program error decodes through the IDL's and Anchor's tables", () => {
    const escrowError = decodeProgramError(new Error("Error processing Instruction 1: custom program error: 0x1771"));
    expect([escrowError?.name, escrowError?.message]).to.deep.equal(["InvalidStatus", "Escrow is not in a status that allows this action"]);
    const anchorError = decodeProgramError({ InstructionError: [0, { Custom: 2006 }] });
    expect([anchorError?.name, anchorError?.origin]).to.deep.equal(["ConstraintSeeds", "Anchor"]);
  });

  it("another program's custom error is not taken for a JobEscrow error", () => {
    const tokenProgram = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
    const logs = [`Program ${tokenProgram} invoke [1]`, `Program ${tokenProgram} failed: custom program error: 0x1`];
    expect(decodeProgramError({ logs })).to.equal(undefined);
  });
});

describe("sdk: parsing events from logs", () => {
  it("decodes a Program data line into the typed camelCase event", () => {
    const event = IDL.events?.find((candidate) => candidate.name === "EscrowCreatedEvent");
    const escrow = PublicKey.unique();
    const payer = PublicKey.unique();
    // Encoded by Anchor's coder from the IDL, as the program's emit writes it.
    const body = new BorshCoder(CAMEL_CASE_IDL).types.encode("escrowCreatedEvent", {
      escrow,
      jobId: Array(32).fill(7),
      payer,
      amount: new BN(1_000_000),
      feeBps: 1_000,
      expiresAt: new BN(100),
      status: { created: {} },
    });
    const data = Buffer.concat([Buffer.from(event?.discriminator ?? []), body]);
    const logs = [
      `Program ${JOB_ESCROW_PROGRAM_ID.toBase58()} invoke [1]`,
      `Program data: ${data.toString("base64")}`,
      `Program ${JOB_ESCROW_PROGRAM_ID.toBase58()} success`,
    ];
    const [parsed] = parseEvents(logs);
    expect(parsed?.name).to.equal("escrowCreatedEvent");
    if (parsed?.name !== "escrowCreatedEvent") return;
    expect(parsed.data.escrow.equals(escrow)).to.equal(true);
    expect(parsed.data.payer.equals(payer)).to.equal(true);
    expect(parsed.data.amount.toString()).to.equal("1000000");
    expect(parsed.data.expiresAt.toNumber()).to.equal(100);
    expect(parsed.data.status).to.deep.equal({ created: {} });
  });
});
