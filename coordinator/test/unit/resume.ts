import { expect } from "chai";

import { type Checkpoint, nodeShareBps, resumePoint, runShareBps } from "../../src/domain/checkpoints";

function checkpoint(epoch: number, status: Checkpoint["status"], at: number, epochs = 20): Checkpoint {
  return { epoch, epochs, cid: `cid-${epoch}-${at}`, sha256: `${epoch}`.padStart(64, "0"), status, at };
}

describe("resume: the offer's resumeFrom and a resumed run's share", () => {
  it("resumeFrom is the verified checkpoint with the highest epoch of the earlier runs", () => {
    const earlier = [
      checkpoint(5, "verified", 1),
      checkpoint(10, "verified", 2),
      checkpoint(15, "rejected", 3),
      checkpoint(12, "pending", 4),
    ];
    expect(resumePoint(earlier)).to.deep.equal({ cid: "cid-10-2", sha256: "10".padStart(64, "0"), epoch: 10, epochs: 20 });
  });

  it("a later run's verified checkpoint beyond the first run's wins", () => {
    expect(resumePoint([checkpoint(10, "verified", 1), checkpoint(15, "verified", 9)])?.epoch).to.equal(15);
  });

  it("no offer field without a verified checkpoint short of the last epoch", () => {
    expect(resumePoint([])).to.equal(null);
    expect(resumePoint([checkpoint(4, "pending", 1), checkpoint(8, "rejected", 2)])).to.equal(null);
    expect(resumePoint([checkpoint(20, "verified", 1)])).to.equal(null);
  });

  it("a resumed run is paid only for the epochs it verified past the resume point", () => {
    expect(runShareBps({ epoch: 15, epochs: 20 }, 0)).to.equal(nodeShareBps({ epoch: 15, epochs: 20 }));
    expect(runShareBps({ epoch: 15, epochs: 20 }, 10)).to.equal(2_500);
    expect(runShareBps({ epoch: 17, epochs: 30 }, 10)).to.equal(2_333);
    expect(runShareBps({ epoch: 10, epochs: 20 }, 10)).to.equal(0);
    expect(runShareBps(null, 10)).to.equal(0);
  });
});
