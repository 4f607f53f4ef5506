import { type Address, getAddress, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppDatabase, createAppDatabase } from "../db/index.ts";
import { settlementEpoch, settlementLeaf } from "../db/schema.ts";
import type { ChainReader } from "../reader/index.ts";
import { type EarnerAmounts, earnerAmounts, loadSettledEvents, settledEvents } from "./settled.ts";

const addr = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const [a, b, c] = [addr(0xa), addr(0xb), addr(0xc)];
const root = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
const amounts = (entries: [Address, bigint][]): EarnerAmounts => new Map(entries);

describe("settled payouts of a root going live", () => {
  const live = { epoch: 2n, root: root(2), blockNumber: 40n };

  it("one per account whose leaf grew, by the growth over the previous live root's leaf", () => {
    const current = amounts([
      [a, 30n],
      [b, 20n],
      [c, 5n],
    ]);
    const previous = {
      epoch: 1n,
      amounts: amounts([
        [a, 10n],
        [c, 5n],
      ]),
    };
    const events = settledEvents(live, current, previous);
    expect(events.map((e) => [e.account, e.amount, e.cumulativeAmount])).toEqual([
      [a, "20", "30"],
      [b, "20", "20"],
    ]);
    const grown = events.reduce((sum, e) => sum + BigInt(e.amount), 0n);
    expect(grown).toBe(30n + 20n + 5n - (10n + 5n));
    expect(events[0]).toMatchObject({
      kind: "PayoutSettled",
      id: `PayoutSettled:2:${a}@40`,
      epoch: "2",
      root: root(2),
      previousEpoch: "1",
      blockNumber: "40",
    });
  });

  it("the first live root settles every leaf whole; going live again later gives new ids", () => {
    const current = amounts([[a, 7n]]);
    const first = settledEvents(live, current, null);
    expect(first).toMatchObject([{ amount: "7", previousEpoch: null }]);
    const again = settledEvents({ ...live, blockNumber: 41n }, current, null);
    expect(again[0]?.id).not.toBe(first[0]?.id);
  });

  describe("from this API's stored leaves", () => {
    let app: AppDatabase;
    beforeAll(async () => {
      app = await createAppDatabase({});
      for (const [epoch, leaves] of [
        [1n, [[a, 10n]]],
        [
          2n,
          [
            [a, 25n],
            [b, 4n],
          ],
        ],
      ] as const) {
        await app.db
          .insert(settlementEpoch)
          .values({ epoch, status: "PROPOSED", root: root(Number(epoch)) });
        await app.db.insert(settlementLeaf).values([
          ...leaves.map(([account, amount]) => ({
            epoch,
            kind: 0,
            account,
            agentId: "0",
            cumulativeAmount: amount.toString(),
            cumulativeVoteEligible: "0",
            proof: "[]",
          })),
          // An agent's stakers' leaf: not an account, no payout event.
          {
            epoch,
            kind: 1,
            account: addr(0),
            agentId: "1",
            cumulativeAmount: "99",
            cumulativeVoteEligible: "0",
            proof: "[]",
          },
        ]);
      }
    }, 60_000);
    afterAll(async () => {
      await app?.close();
    });

    /** A reader whose only query answers the live root before the one going live. */
    const readerWith = (before: { epoch: bigint; root: Hex } | null) => {
      const chain = {
        from: () => chain,
        where: () => chain,
        orderBy: () => chain,
        limit: async () => (before ? [before] : []),
      };
      return { db: { select: () => chain } } as unknown as ChainReader;
    };

    it("reads the earner leaves of the chain's root, and none for another root or epoch", async () => {
      expect(await earnerAmounts(app.db, 2n, root(2))).toEqual(
        amounts([
          [a, 25n],
          [b, 4n],
        ]),
      );
      expect(await earnerAmounts(app.db, 2n, root(9))).toBeNull();
      expect(await earnerAmounts(app.db, 3n, root(3))).toBeNull();
    });

    it("settles the growth over the previous live root; nothing when either root's leaves are not here", async () => {
      const load = (before: { epoch: bigint; root: Hex } | null, at = live) =>
        loadSettledEvents({ db: app.db, reader: readerWith(before) }, at);
      const events = await load({ epoch: 1n, root: root(1) });
      expect(events?.map((e) => [e.account, e.amount])).toEqual([
        [a, "15"],
        [b, "4"],
      ]);
      expect(await load(null)).toMatchObject([{ amount: "25" }, { amount: "4" }]);
      expect(await load({ epoch: 1n, root: root(8) })).toBeNull();
      expect(await load(null, { ...live, root: root(9) })).toBeNull();
    });
  });
});
