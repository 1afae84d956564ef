/**
 * The dashboard's browser signing (app/web/src/signing.ts) against the coordinator's
 * own verifier: what the browser signs is what the coordinator accepts, and a change of
 * any signed part is refused.
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";
import { createPrivateKey, sign as nodeSign } from "node:crypto";

import { canonicalMessage as coordinatorMessage, verifyRequest, AuthError } from "@cyxwiz/protocol/signed-request";
import { keypairSigner, parseKeypairJson } from "../src/dev-keypair";
import { canonicalMessage, type MessageSigner, signedHeaders } from "../src/signing";

const SKEW = 60_000;

/** The seed as a PKCS#8 Ed25519 private key for node:crypto. */
function pkcs8(secretKey: Uint8Array) {
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(secretKey.subarray(0, 32))]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" });
}

describe("web: browser-signed requests", () => {
  const keypair = Keypair.generate();
  const signer = keypairSigner(keypair.secretKey);

  it("builds the coordinator's canonical message byte for byte", async () => {
    const body = JSON.stringify({ epochs: 3, priority: "normal" });
    const ours = await canonicalMessage("post", "/v1/quotes", body, "1700000000000", "ab".repeat(16));
    const theirs = coordinatorMessage("post", "/v1/quotes", body, "1700000000000", "ab".repeat(16));
    expect(Buffer.from(ours).toString("utf8")).to.equal(Buffer.from(theirs).toString("utf8"));
  });

  it("a dev-keypair signature verifies with verifyRequest, for a body and for a GET with a query", async () => {
    const now = Date.now();
    const body = JSON.stringify({ quoteId: "q", config: { kind: "cyxwiz/mlp-classifier@1" } });
    const post = await signedHeaders(signer, "POST", "/v1/jobs", body, { now });
    const verified = verifyRequest(post, "POST", "/v1/jobs", body, now, SKEW);
    expect(verified).not.to.be.instanceOf(AuthError);
    expect(verified).to.include({ publicKey: keypair.publicKey.toBase58(), timestamp: now });

    const get = await signedHeaders(signer, "GET", "/v1/jobs?limit=20", "", { now });
    expect(verifyRequest(get, "GET", "/v1/jobs?limit=20", "", now, SKEW)).to.include({ publicKey: keypair.publicKey.toBase58() });
  });

  it("a browser wallet's signMessage (raw-bytes ed25519, as Phantom signs) verifies the same", async () => {
    const wallet: MessageSigner = {
      publicKey: keypair.publicKey.toBase58(),
      // An independent ed25519 (OpenSSL's) over the raw bytes, standing in for the wallet.
      signMessage: async (message) => new Uint8Array(nodeSign(null, message, pkcs8(keypair.secretKey))),
    };
    const now = Date.now();
    const headers = await signedHeaders(wallet, "POST", "/v1/jobs/ab/cancel", "{}", { now });
    expect(verifyRequest(headers, "POST", "/v1/jobs/ab/cancel", "{}", now, SKEW)).not.to.be.instanceOf(AuthError);
  });

  it("refuses the signature when the body, the path, the method or the signer differ", async () => {
    const now = Date.now();
    const headers = await signedHeaders(signer, "POST", "/v1/quotes", '{"epochs":3}', { now });
    const code = (result: unknown) => (result instanceof AuthError ? result.code : "accepted");
    expect(code(verifyRequest(headers, "POST", "/v1/quotes", '{"epochs":4}', now, SKEW))).to.equal("BAD_SIGNATURE");
    expect(code(verifyRequest(headers, "POST", "/v1/jobs", '{"epochs":3}', now, SKEW))).to.equal("BAD_SIGNATURE");
    expect(code(verifyRequest(headers, "PUT", "/v1/quotes", '{"epochs":3}', now, SKEW))).to.equal("BAD_SIGNATURE");
    const other = { ...headers, "x-cyxwiz-key": Keypair.generate().publicKey.toBase58() };
    expect(code(verifyRequest(other, "POST", "/v1/quotes", '{"epochs":3}', now, SKEW))).to.equal("BAD_SIGNATURE");
    expect(code(verifyRequest(headers, "POST", "/v1/quotes", '{"epochs":3}', now + 2 * SKEW, SKEW))).to.equal("STALE_TIMESTAMP");
  });

  it("reads a solana-keygen file and refuses malformed or corrupt ones with a reason", () => {
    const text = JSON.stringify(Array.from(keypair.secretKey));
    expect(Buffer.from(parseKeypairJson(text)).equals(Buffer.from(keypair.secretKey))).to.equal(true);
    expect(() => parseKeypairJson("nope")).to.throw(/not JSON/);
    expect(() => parseKeypairJson("[1,2,3]")).to.throw(/64 numbers/);
    const corrupt = Array.from(keypair.secretKey);
    corrupt[40] ^= 1;
    expect(() => parseKeypairJson(JSON.stringify(corrupt))).to.throw(/corrupt/);
  });
});
