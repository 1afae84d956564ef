import { createHash } from "node:crypto";

import { expect } from "chai";

import { ed25519 } from "@noble/curves/ed25519";
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";

import {
  AuthError,
  canonicalMessage,
  HEADER_KEY,
  HEADER_NONCE,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  type RequestHeaders,
  signRequest,
  type SignedRequestHeaders,
  verifyRequest,
  type VerifiedRequest,
} from "../src/signed-request";

const NOW = 1_700_000_000_000;
const SKEW = 30_000;
const PATH = "/v1/jobs?dryRun=false";
const BODY = JSON.stringify({ quoteId: "q-1", escrow: "Esc1" });

describe("signed requests", () => {
  let client: Keypair;
  let headers: SignedRequestHeaders;
  beforeEach(() => {
    client = Keypair.generate();
    headers = signRequest(client, "POST", PATH, BODY, { now: NOW });
  });

  const verify = (
    overrides: { headers?: RequestHeaders; method?: string; path?: string; body?: string | Uint8Array; now?: number } = {},
  ): VerifiedRequest | AuthError =>
    verifyRequest(
      overrides.headers ?? headers,
      overrides.method ?? "POST",
      overrides.path ?? PATH,
      overrides.body ?? BODY,
      overrides.now ?? NOW,
      SKEW,
    );

  const expectRefused = (result: VerifiedRequest | AuthError, code: string): void => {
    expect(result).to.be.instanceOf(AuthError);
    expect(result).to.include({ code });
  };

  it("a correctly signed request verifies as its signer's wallet", () => {
    const verified = verify();
    if (verified instanceof AuthError) throw verified;
    expect(verified.publicKey).to.equal(client.publicKey.toBase58());
  });

  it("hands back the nonce and keeps it until timestamp + maxSkew for replay checks", () => {
    const verified = verify();
    if (verified instanceof AuthError) throw verified;
    expect(verified).to.include({ nonce: headers[HEADER_NONCE], timestamp: NOW, nonceExpiresAt: NOW + SKEW });
  });

  it("signs with the four x-cyxwiz headers: base58 key, ms timestamp, 16-byte hex nonce, base58 signature", () => {
    expect(headers[HEADER_KEY]).to.equal(client.publicKey.toBase58());
    expect(headers[HEADER_TIMESTAMP]).to.equal(String(NOW));
    expect(headers[HEADER_NONCE]).to.match(/^[0-9a-f]{32}$/);
    expect(bs58.decode(headers[HEADER_SIGNATURE])).to.have.length(64);
  });

  it("signs exactly cyxwiz-v1, method, path with query, body sha256, timestamp and nonce, one per line", () => {
    const message = new TextDecoder().decode(canonicalMessage("post", PATH, BODY, String(NOW), headers[HEADER_NONCE]));
    const bodyHash = createHash("sha256").update(BODY).digest("hex");
    expect(message).to.equal(`cyxwiz-v1\nPOST\n${PATH}\n${bodyHash}\n${NOW}\n${headers[HEADER_NONCE]}`);
    expect(ed25519.verify(bs58.decode(headers[HEADER_SIGNATURE]), new TextEncoder().encode(message), client.publicKey.toBytes())).to.equal(
      true,
    );
  });

  it("uses a fresh nonce for every request", () => {
    const a = signRequest(client, "GET", "/v1/jobs", "");
    const b = signRequest(client, "GET", "/v1/jobs", "");
    expect(a[HEADER_NONCE]).to.not.equal(b[HEADER_NONCE]);
  });

  it("treats the method case-insensitively", () => {
    expect(verify({ method: "post" })).to.not.be.instanceOf(AuthError);
  });

  it("verifies a body given as bytes the same as the string", () => {
    expect(verify({ body: new TextEncoder().encode(BODY) })).to.not.be.instanceOf(AuthError);
  });

  it("error: a tampered body is BAD_SIGNATURE", () => {
    expectRefused(verify({ body: BODY.replace("q-1", "q-2") }), "BAD_SIGNATURE");
  });

  it("error: a tampered path is BAD_SIGNATURE", () => {
    expectRefused(verify({ path: "/v1/jobs?dryRun=true" }), "BAD_SIGNATURE");
  });

  it("error: a different method is BAD_SIGNATURE", () => {
    expectRefused(verify({ method: "PUT" }), "BAD_SIGNATURE");
  });

  it("error: another wallet's key on the signature is BAD_SIGNATURE", () => {
    const stranger = Keypair.generate().publicKey.toBase58();
    expectRefused(verify({ headers: { ...headers, [HEADER_KEY]: stranger } }), "BAD_SIGNATURE");
  });

  it("error: a changed timestamp is BAD_SIGNATURE", () => {
    expectRefused(verify({ headers: { ...headers, [HEADER_TIMESTAMP]: String(NOW + 1) } }), "BAD_SIGNATURE");
  });

  it("error: a changed nonce is BAD_SIGNATURE", () => {
    const nonce = headers[HEADER_NONCE].replace(/^./, (c) => (c === "0" ? "1" : "0"));
    expectRefused(verify({ headers: { ...headers, [HEADER_NONCE]: nonce } }), "BAD_SIGNATURE");
  });

  it("error: a signature by another wallet is BAD_SIGNATURE", () => {
    const forged = signRequest(Keypair.generate(), "POST", PATH, BODY, { now: NOW, nonce: headers[HEADER_NONCE] });
    expectRefused(verify({ headers: { ...headers, [HEADER_SIGNATURE]: forged[HEADER_SIGNATURE] } }), "BAD_SIGNATURE");
  });

  it("a timestamp exactly maxSkew old is accepted", () => {
    expect(verify({ now: NOW + SKEW })).to.not.be.instanceOf(AuthError);
  });

  it("error: a timestamp 1 ms older than maxSkew is STALE_TIMESTAMP", () => {
    expectRefused(verify({ now: NOW + SKEW + 1 }), "STALE_TIMESTAMP");
  });

  it("a timestamp exactly maxSkew ahead is accepted", () => {
    expect(verify({ now: NOW - SKEW })).to.not.be.instanceOf(AuthError);
  });

  it("error: a timestamp 1 ms further ahead than maxSkew is FUTURE_TIMESTAMP", () => {
    expectRefused(verify({ now: NOW - SKEW - 1 }), "FUTURE_TIMESTAMP");
  });

  for (const header of [HEADER_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE]) {
    it(`error: without ${header} the request is MISSING_HEADER`, () => {
      const partial: Record<string, string> = { ...headers };
      delete partial[header];
      const result = verify({ headers: partial });
      expectRefused(result, "MISSING_HEADER");
      expect(result).to.include({ header });
    });
  }

  it("error: an empty header counts as missing", () => {
    expectRefused(verify({ headers: { ...headers, [HEADER_SIGNATURE]: "" } }), "MISSING_HEADER");
  });

  it("error: a header sent twice is DUPLICATE_HEADER", () => {
    expectRefused(verify({ headers: { ...headers, [HEADER_NONCE]: [headers[HEADER_NONCE], headers[HEADER_NONCE]] } }), "DUPLICATE_HEADER");
  });

  it("a header given once in array form is read", () => {
    expect(verify({ headers: { ...headers, [HEADER_NONCE]: [headers[HEADER_NONCE]] } })).to.not.be.instanceOf(AuthError);
  });

  for (const [name, key] of [
    ["not base58", "0OIl-not-base58-0OIl-not-base58-0OIl"],
    ["31 bytes", bs58.encode(new Uint8Array(31).fill(7))],
    ["the all-zero small-order point", "11111111111111111111111111111111"],
  ]) {
    it(`error: a key that is ${name} is BAD_KEY`, () => {
      expectRefused(verify({ headers: { ...headers, [HEADER_KEY]: key } }), "BAD_KEY");
    });
  }

  for (const [name, timestamp] of [
    ["in seconds with a fraction", "1700000000.5"],
    ["negative", "-1700000000000"],
    ["padded with zeros", `0${NOW}`],
    ["not a number", "yesterday"],
  ]) {
    it(`error: a timestamp ${name} is MALFORMED_TIMESTAMP`, () => {
      expectRefused(verify({ headers: { ...headers, [HEADER_TIMESTAMP]: timestamp } }), "MALFORMED_TIMESTAMP");
    });
  }

  for (const [name, nonce] of [
    ["of 15 bytes", "ab".repeat(15)],
    ["in upper case", "AB".repeat(16)],
    ["of an odd number of digits", "a".repeat(33)],
    ["not hex", "zz".repeat(16)],
    ["of 65 bytes", "ab".repeat(65)],
  ]) {
    it(`error: a nonce ${name} is MALFORMED_NONCE`, () => {
      expectRefused(verify({ headers: { ...headers, [HEADER_NONCE]: nonce } }), "MALFORMED_NONCE");
    });
  }

  for (const [name, signature] of [
    ["not base58", "not+base58/at=all"],
    ["63 bytes", bs58.encode(new Uint8Array(63).fill(1))],
  ]) {
    it(`error: a signature ${name} is MALFORMED_SIGNATURE`, () => {
      expectRefused(verify({ headers: { ...headers, [HEADER_SIGNATURE]: signature } }), "MALFORMED_SIGNATURE");
    });
  }

  it("error: a path with a line break is INVALID_REQUEST", () => {
    expectRefused(verify({ path: "/v1/jobs\nX-Injected: 1" }), "INVALID_REQUEST");
  });

  it("error: signing with a secret key whose halves do not match is BAD_KEY", () => {
    const mismatched = new Uint8Array(64);
    mismatched.set(client.secretKey.subarray(0, 32));
    mismatched.set(Keypair.generate().publicKey.toBytes(), 32);
    expect(() => signRequest({ secretKey: mismatched }, "GET", "/", ""))
      .to.throw(AuthError)
      .with.property("code", "BAD_KEY");
  });
});
