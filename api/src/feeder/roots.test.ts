import pino from "pino";
import { getAddress, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import type { PayoutSettled } from "../payouts/events.ts";
import { settledEvents } from "../payouts/settled.ts";
import { createLiveRoots } from "./roots.ts";

const log = pino({ level: "silent" });
const account = getAddress(`0x${"a".repeat(40)}`);
const live = { epoch: 3n, root: `0x${"33".repeat(32)}` as Hex, blockNumber: 70n };
const settled = async (): Promise<PayoutSettled[]> =>
  settledEvents(live, new Map([[account, 9n]]), null);

describe("live roots' payouts", () => {
  it("a root going live is RootLive then its settled payouts", async () => {
    const roots = createLiveRoots({ settled, log });
    const events = await roots.wentLive(live);
    expect(events.map((e) => [e.kind, e.id])).toEqual([
      ["RootLive", "RootLive:3@70"],
      ["PayoutSettled", `PayoutSettled:3:${account}@70`],
    ]);
  });

  it("stopping being live reverts them, newest first, for why it stopped", async () => {
    for (const [status, reason] of [
      ["Vetoed", "VETOED"],
      ["Challenged", "CHALLENGED"],
      ["Proposed", "REORG"],
      [null, "REORG"],
    ] as const) {
      const roots = createLiveRoots({ settled, log });
      const published = await roots.wentLive(live);
      const reverts = roots.leftLive(3n, status);
      expect(reverts.map((r) => r.revertedId)).toEqual(published.map((e) => e.id).reverse());
      expect(reverts.every((r) => r.reason === reason)).toBe(true);
      // Once: a second change reverts nothing more.
      expect(roots.leftLive(3n, status)).toEqual([]);
    }
  });

  it("without the leaves, or when reading them fails, RootLive goes out alone", async () => {
    for (const source of [async () => null, async () => Promise.reject(new Error("db down"))]) {
      const roots = createLiveRoots({ settled: source, log });
      expect((await roots.wentLive(live)).map((e) => e.kind)).toEqual(["RootLive"]);
    }
    expect((await createLiveRoots({ log }).wentLive(live)).map((e) => e.kind)).toEqual([
      "RootLive",
    ]);
  });

  it("forgets roots that went live below the reorg window", async () => {
    const roots = createLiveRoots({ settled, log });
    await roots.wentLive(live);
    roots.prune(70n);
    expect(roots.remembered()).toEqual([3n]);
    roots.prune(71n);
    expect(roots.remembered()).toEqual([]);
    expect(roots.leftLive(3n, "Vetoed")).toEqual([]);
  });
});
