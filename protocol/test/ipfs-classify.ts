/**
 * How failures of the kubo client become IpfsError codes (and so verdicts). The
 * messages are kubo 0.43's own, as the integration tests see them from a real daemon.
 */
import { expect } from "chai";

import { classify, IpfsError } from "../src/ipfs";

const CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const API = "http://127.0.0.1:5001";

function httpError(message: string, status = 500): Error {
  return Object.assign(new Error(message), { name: "HTTPError", response: { status } });
}

const live = new AbortController().signal;

describe("IPFS client: classifying kubo's failures", () => {
  const cases: [string, unknown, IpfsError["code"]][] = [
    ["offline, block missing", httpError(`block was not found locally (offline): ipld: could not find ${CID}`), "IPFS_NOT_FOUND"],
    ["a directory", httpError("this dag node is a directory"), "IPFS_NOT_A_FILE"],
    ["a malformed path", httpError('invalid path "bafyinvalid": path does not have enough components'), "IPFS_NOT_A_FILE"],
    ["an internal error", httpError("context canceled", 500), "IPFS_UNAVAILABLE"],
    ["connection refused", Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }), "IPFS_UNAVAILABLE"],
    ["not an Error at all", "boom", "IPFS_UNAVAILABLE"],
  ];
  for (const [name, error, code] of cases) {
    it(`${name} → ${code}`, () => {
      const classified = classify(CID, error, live, API);
      expect(classified).to.be.instanceOf(IpfsError);
      expect(classified).to.include({ code, cid: CID });
    });
  }

  it("anything after the caller's abort is IPFS_TIMEOUT, whatever the client threw", () => {
    const controller = new AbortController();
    controller.abort();
    expect(classify(CID, new DOMException("aborted", "AbortError"), controller.signal, API)).to.include({ code: "IPFS_TIMEOUT" });
  });

  it("says which API was unreachable and why", () => {
    const refused = classify(CID, Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }), live, API);
    expect(refused.message).to.equal(`the IPFS API at ${API} is unreachable (ECONNREFUSED)`);
  });
});
