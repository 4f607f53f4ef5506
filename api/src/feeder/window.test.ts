import { describe, expect, it } from "vitest";
import type { Seen } from "./window.ts";
import { EventWindow } from "./window.ts";

const log = (block: bigint, index: number, hash: string): Seen => ({
  event: {
    action: "ADDED",
    id: `${block}-${index}@${hash}`,
    contract: "AgentStaking",
    name: "StakeDelegated",
    args: {},
    blockNumber: block.toString(),
    blockHash: hash,
    logIndex: index,
    transactionHash: null,
    timestamp: null,
  },
  blockNumber: block,
  blockHash: hash,
  topics: [],
  payout: null,
});

describe("feeder event window", () => {
  it("reverts the logs of a block whose hash changed and rewinds to it, keeping unchanged blocks", () => {
    const w = new EventWindow();
    w.add(log(10n, 0, "0xa"));
    w.add(log(11n, 0, "0xb"));
    w.add(log(11n, 1, "0xb"));
    const { reverted, rewindTo } = w.reconcile(
      new Map([
        [10n, "0xa"],
        [11n, "0xc"],
      ]),
      0n,
      11n,
    );
    expect(reverted.map((s) => s.event.id)).toEqual(["11-0@0xb", "11-1@0xb"]);
    expect(rewindTo).toBe(11n);
    // The same position in the new block is a new log, not a duplicate.
    expect(w.add(log(11n, 0, "0xc"))).toEqual({ known: false, superseded: [] });
    // Re-reading an unchanged block after a rewind publishes nothing twice.
    expect(w.add(log(10n, 0, "0xa")).known).toBe(true);
  });

  it("rewinds to a block that gained logs at a height already read, and to one that vanished", () => {
    const w = new EventWindow();
    w.add(log(12n, 0, "0xa"));
    const gained = w.reconcile(
      new Map([
        [11n, "0xd"],
        [12n, "0xa"],
      ]),
      0n,
      12n,
    );
    expect(gained).toEqual({ reverted: [], rewindTo: 11n });
    const vanished = w.reconcile(new Map(), 0n, 12n);
    expect(vanished.reverted.map((s) => s.event.id)).toEqual(["12-0@0xa"]);
    expect(vanished.rewindTo).toBe(12n);
  });

  it("a log read with a new hash for a known block supersedes that block's logs", () => {
    const w = new EventWindow();
    w.add(log(5n, 0, "0xa"));
    w.add(log(5n, 1, "0xa"));
    const { superseded } = w.add(log(5n, 0, "0xe"));
    expect(superseded.map((s) => s.event.id)).toEqual(["5-0@0xa", "5-1@0xa"]);
  });

  it("ignores blocks outside [from, readTo] and forgets pruned ones", () => {
    const w = new EventWindow();
    w.add(log(1n, 0, "0xa"));
    w.add(log(50n, 0, "0xb"));
    expect(w.reconcile(new Map([[50n, "0xb"]]), 10n, 40n)).toEqual({
      reverted: [],
      rewindTo: null,
    });
    w.prune(10n);
    expect(w.add(log(1n, 0, "0xa")).known).toBe(false);
  });
});
