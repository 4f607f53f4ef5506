import { ponder } from "ponder:registry";
import { clock, marketProposal, settlementRoot } from "ponder:schema";
import { and, eq, gt, lte, min } from "ponder";
import { refreshLiveQueriesAfterReorg } from "./lib/reorg-refresh.ts";

// Statuses that change with time alone: an Open proposal past its deadline reads Expired, a
// Proposed root past its liveAt is Live. Most blocks pass no such time: one cached lookup of
// the `clock` row decides, and only a block that does pays for the SQL updates.
ponder.on("Clock:block", async ({ event, context }) => {
  await refreshLiveQueriesAfterReorg(context, event.block);
  const now = event.block.timestamp;
  const next = await context.db.find(clock, { id: 1 });
  if (!next) return;
  const touched = { blockNumber: event.block.number, timestamp: now };
  const changes: Partial<typeof clock.$inferInsert> = {};
  if (next.nextProposalDeadline !== null && next.nextProposalDeadline <= now) {
    await context.db.sql
      .update(marketProposal)
      .set({ status: "Expired", ...touched })
      .where(and(eq(marketProposal.status, "Open"), lte(marketProposal.deadline, now)));
    const [row] = await context.db.sql
      .select({ at: min(marketProposal.deadline) })
      .from(marketProposal)
      .where(and(eq(marketProposal.status, "Open"), gt(marketProposal.deadline, now)));
    changes.nextProposalDeadline = row?.at ?? null;
  }
  if (next.nextRootLiveAt !== null && next.nextRootLiveAt <= now) {
    await context.db.sql
      .update(settlementRoot)
      .set({ status: "Live", ...touched })
      .where(and(eq(settlementRoot.status, "Proposed"), lte(settlementRoot.liveAt, now)));
    const [row] = await context.db.sql
      .select({ at: min(settlementRoot.liveAt) })
      .from(settlementRoot)
      .where(and(eq(settlementRoot.status, "Proposed"), gt(settlementRoot.liveAt, now)));
    changes.nextRootLiveAt = row?.at ?? null;
  }
  if (Object.keys(changes).length)
    await context.db.update(clock, { id: 1 }).set({ ...changes, ...touched });
});
