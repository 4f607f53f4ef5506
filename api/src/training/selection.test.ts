import { describe, expect, it } from "vitest";
import { acceptedAt, heldOut } from "./selection.ts";

const change = (contributionId: bigint, status: string, blockNumber: bigint, logIndex = 0) => ({
  contributionId,
  status,
  blockNumber,
  logIndex,
});

describe("contributions as of a block", () => {
  const history = [
    change(1n, "Pending", 10n),
    change(1n, "Accepted", 12n),
    change(2n, "Pending", 10n),
    change(2n, "Accepted", 11n),
    change(2n, "Withdrawn", 14n),
    change(3n, "Pending", 10n),
    change(3n, "Accepted", 20n),
    change(4n, "Pending", 10n),
    change(4n, "Rejected", 11n),
    // Accepted then withdrawn in the same block: the log order decides.
    change(5n, "Withdrawn", 12n, 4),
    change(5n, "Accepted", 12n, 1),
  ];

  it("keeps those whose latest status at the block is Accepted", () => {
    expect([...acceptedAt(history, 13n)].sort()).toEqual([1n, 2n]);
    // Withdrawn by block 14; accepted only at 20.
    expect([...acceptedAt(history, 14n)].sort()).toEqual([1n]);
    expect([...acceptedAt(history, 25n)].sort()).toEqual([1n, 3n]);
    expect([...acceptedAt(history, 11n)]).toEqual([2n]);
  });
});

describe("held-out split", () => {
  const contributions = [1n, 2n, 3n, 4n, 5n, 6n].map((id) => ({
    id,
    datanetId: id <= 4n ? 1n : 2n,
  }));

  it("holds out ⌈n·fraction⌉ of each Datanet's contributions, the same for the same seed", () => {
    const held = heldOut(contributions, 42, 0.25);
    expect([...held].filter((id) => id <= 4n)).toHaveLength(1);
    expect([...held].filter((id) => id > 4n)).toHaveLength(1);
    expect(heldOut(contributions, 42, 0.25)).toEqual(held);
    const seeds = new Set(
      Array.from({ length: 20 }, (_, seed) => [...heldOut(contributions, seed, 0.25)].join()),
    );
    expect(seeds.size).toBeGreaterThan(1);
  });

  it("never holds out a Datanet's only or every contribution", () => {
    expect(heldOut([{ id: 1n, datanetId: 1n }], 1, 0.5).size).toBe(0);
    expect(heldOut(contributions.slice(4), 1, 0.5).size).toBe(1);
    expect(heldOut(contributions, 1, 0).size).toBe(0);
  });
});
