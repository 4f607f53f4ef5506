// What each subscription delivers of a stream that repeats events (dedupe.ts).
import { describe, expect, it } from "vitest";
import { firstDelivery } from "./dedupe.ts";
import { type PayoutAccrued, type PayoutEvent, revertPayout } from "./events.ts";
import { addr } from "./receipt-fixture.ts";

const accrued = (n: number): PayoutAccrued => ({
  kind: "PayoutAccrued",
  id: `PayoutAccrued:${addr(9)}:0x${n.toString(16).padStart(64, "0")}:${addr(1)}`,
  account: addr(1),
  amount: "1",
  shares: [{ role: "operator", amount: "1" }],
  payer: addr(9),
  requestId: `0x${n.toString(16).padStart(64, "0")}`,
  agentId: "1",
  policyVersion: 1,
  issuedAt: "0",
});

const delivered = (stream: PayoutEvent[], capacity?: number) => {
  const once = firstDelivery(capacity);
  return stream.filter(once).map((event) => event.id);
};

describe("firstDelivery", () => {
  it("drops an event and its revert published again (a relay batch sent twice)", () => {
    const x = accrued(1);
    const unpaid = revertPayout(x, "UNPAID");
    expect(delivered([x, unpaid, x, unpaid])).toEqual([x.id, unpaid.id]);
  });

  it("delivers an event made again after a chain revert, and its revert again", () => {
    const x = accrued(2);
    const reorg = revertPayout(x, "REORG");
    expect(delivered([x, reorg, x, reorg])).toEqual([x.id, reorg.id, x.id, reorg.id]);
  });

  // Two relays at once (a lease lost mid-batch: the README's supported case) take adjacent
  // batches with SKIP LOCKED and publish side by side, so a batch holding an accrued event can
  // reach the bus after the later batch holding its UNPAID revert (both queued while the relay
  // was down for the epoch). The revert then passes first, and the accrued event after it passes
  // too and forgets the revert: the subscriber was left holding a credit that was reverted for
  // good (then got the revert again). Failed before the fix: [revert, accrued, revert].
  it("an UNPAID revert is final: the event it undoes, arriving after it, is dropped", () => {
    const x = accrued(3);
    const unpaid = revertPayout(x, "UNPAID");
    expect(delivered([unpaid, x, unpaid])).toEqual([unpaid.id]);
  });
});
