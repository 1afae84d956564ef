/**
 * The IPFS client against a real kubo daemon ($CYXWIZ_TEST_IPFS_API, offline): what
 * the verifier relies on, seen for real. Content added is read back streamed and
 * hashed; a valid CID of bytes never added is IPFS_NOT_FOUND; a directory is not a
 * file; more than the limit stops at limit + 1 bytes; a server that never answers is
 * cut off at the deadline; a port nothing listens on is IPFS_UNAVAILABLE.
 */
import { expect } from "chai";
import { create } from "kubo-rpc-client";

import { digestContent, IpfsError, KuboIpfs, readBytes } from "../../src/proofs";
import { closedPort, IPFS_API, missingWeights, randomWeights, sha256Hex, silentServer, testIpfs } from "../harness/ipfs-harness";

const LIMITS = { timeoutMs: 5_000, maxBytes: 8 * 1024 * 1024 };

async function failure(promise: Promise<unknown>): Promise<IpfsError> {
  const outcome = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  if (!(outcome instanceof IpfsError)) expect.fail(`expected an IpfsError, got ${String(outcome)}`);
  return outcome;
}

describe("IPFS client on a real kubo daemon", function () {
  this.timeout(30_000);
  const ipfs = testIpfs();

  it("content added is read back streamed: 1 MiB over several blocks hashes to the bytes' sha256", async () => {
    const bytes = randomWeights(1024 * 1024 + 17);
    const cid = await ipfs.add(bytes);
    expect(cid).to.match(/^baf/);
    expect(await digestContent(ipfs, cid, LIMITS)).to.deep.equal({ sha256: sha256Hex(bytes), bytes: bytes.length });
    expect(Buffer.from(await readBytes(ipfs, cid, LIMITS)).equals(Buffer.from(bytes))).to.equal(true);
  });

  it("only-hash gives the CID the bytes would have without storing them: reading it is IPFS_NOT_FOUND", async () => {
    const bytes = randomWeights(4_096);
    const cid = await ipfs.add(bytes, { onlyHash: true });
    const error = await failure(digestContent(ipfs, cid, LIMITS));
    expect(error).to.include({ code: "IPFS_NOT_FOUND", cid });
    expect(error.message).to.match(/not found locally/);
    // The same bytes, added for real, get the same CID.
    expect(await ipfs.add(bytes)).to.equal(cid);
  });

  it("a directory's CID is IPFS_NOT_A_FILE", async () => {
    const client = create({ url: IPFS_API });
    const added = await client.add({ path: "weights/model.bin", content: randomWeights(64) }, { wrapWithDirectory: true, cidVersion: 1 });
    const error = await failure(digestContent(ipfs, added.cid.toString(), LIMITS));
    expect(error.code).to.equal("IPFS_NOT_A_FILE");
  });

  it("more than maxBytes is IPFS_TOO_LARGE; exactly maxBytes is read", async () => {
    const bytes = randomWeights(300 * 1024);
    const cid = await ipfs.add(bytes);
    const error = await failure(digestContent(ipfs, cid, { ...LIMITS, maxBytes: 300 * 1024 - 1 }));
    expect(error.code).to.equal("IPFS_TOO_LARGE");
    expect(await digestContent(ipfs, cid, { ...LIMITS, maxBytes: 300 * 1024 })).to.include({ bytes: 300 * 1024 });
  });

  it("a server that accepts and never answers is IPFS_TIMEOUT at the deadline", async () => {
    const silent = await silentServer();
    try {
      const { cid } = await missingWeights(16);
      const started = Date.now();
      const error = await failure(digestContent(new KuboIpfs(silent.url), cid, { ...LIMITS, timeoutMs: 400 }));
      expect(error.code).to.equal("IPFS_TIMEOUT");
      expect(Date.now() - started).to.be.within(390, 3_000);
    } finally {
      await silent.close();
    }
  });

  it("a port nothing listens on is IPFS_UNAVAILABLE, naming the API and ECONNREFUSED", async () => {
    const port = await closedPort();
    const { cid } = await missingWeights(16);
    const error = await failure(digestContent(new KuboIpfs(`http://127.0.0.1:${port}`), cid, LIMITS));
    expect(error.code).to.equal("IPFS_UNAVAILABLE");
    expect(error.message).to.equal(`the IPFS API at http://127.0.0.1:${port} is unreachable (ECONNREFUSED)`);
  });
});
