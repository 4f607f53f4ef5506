// Statuses that change without a log of their own (a root going Live, a proposal Expiring) are
// diffed from the indexer's rows on every poll.
import * as t from "@tributary/indexer/schema";
import { gte } from "drizzle-orm";
import type { Hex } from "viem";
import type { PayoutEvent } from "../payouts/events.ts";
import type { ChainReader } from "../reader/index.ts";
import { type Publication, synthetic } from "./publication.ts";
import type { ChainEvent } from "./pubsub.ts";
import type { LiveRoots } from "./roots.ts";
import type { TopicKeys } from "./window.ts";

/** Logs that change a status row, so its change is dated by the log rather than the row. */
export const STATUS_LOGS: Record<string, { key: string; arg: string; status: string }> = {
  "ProposalMarket.ProposalFulfilmentSubmitted": { key: "proposal", arg: "id", status: "Pending" },
  "ProposalMarket.ProposalFulfilmentRejected": { key: "proposal", arg: "id", status: "Rejected" },
  "ProposalMarket.ProposalFulfilled": { key: "proposal", arg: "id", status: "Fulfilled" },
  "ProposalMarket.ProposalCancelled": { key: "proposal", arg: "id", status: "Cancelled" },
  "ProposalMarket.ProposalExpired": { key: "proposal", arg: "id", status: "Expired" },
  "AttributionSettlement.RootVetoed": { key: "root", arg: "epoch", status: "Vetoed" },
  "AttributionSettlement.RootChallenged": { key: "root", arg: "epoch", status: "Challenged" },
};

/** A status row's change, dated by the log that made it when there is one. */
interface StatusChange {
  key: string;
  status: string;
  event: ChainEvent;
  topics: TopicKeys;
  /** A settlement root's (null for a proposal's). */
  root: { epoch: bigint; root: Hex; blockNumber: bigint } | null;
}

/** The feeder's status state: last statuses seen, and the logs that dated changes. */
export interface StatusState {
  reader: ChainReader;
  liveRoots: LiveRoots;
  statuses: Map<string, string>;
  /** Status changes dated by the log that made them (`<key>:<status>` → block). */
  explained: Map<string, bigint>;
}

/**
 * Status rows changed within [from, to]. A row's block is its last touch, which a later log
 * can move (a refund touches a Cancelled proposal): the change is dated by the log that made
 * it when there is one (`explained`), by the row otherwise (time alone: RootLive, lazily
 * Expired, where the Clock handler's touch is the change). Rows touched after `to` wait for
 * the next poll, which reads their logs too.
 */
async function readStatuses(state: StatusState, from: bigint, to: bigint) {
  const { reader, explained } = state;
  const [roots, proposals] = await Promise.all([
    reader.db
      .select({
        epoch: t.settlementRoot.epoch,
        root: t.settlementRoot.root,
        status: t.settlementRoot.status,
        blockNumber: t.settlementRoot.blockNumber,
      })
      .from(t.settlementRoot)
      .where(gte(t.settlementRoot.blockNumber, from)),
    reader.db
      .select({
        id: t.marketProposal.id,
        status: t.marketProposal.status,
        blockNumber: t.marketProposal.blockNumber,
      })
      .from(t.marketProposal)
      .where(gte(t.marketProposal.blockNumber, from)),
  ]);
  const changes: StatusChange[] = [];
  for (const r of roots) {
    if (r.blockNumber > to) continue;
    const key = `root:${r.epoch}`;
    const blockNumber = explained.get(`${key}:${r.status}`) ?? r.blockNumber;
    const epoch = { epoch: r.epoch.toString() };
    changes.push({
      key,
      status: r.status,
      // Only for chain order: a root's statuses reach `payouts` as typed events.
      event: synthetic("AttributionSettlement", `Root${r.status}`, epoch, blockNumber),
      topics: [],
      root: { epoch: r.epoch, root: r.root as Hex, blockNumber },
    });
  }
  for (const p of proposals) {
    if (p.blockNumber > to) continue;
    const key = `proposal:${p.id}`;
    changes.push({
      key,
      status: p.status,
      event: synthetic(
        "ProposalMarket",
        `ProposalStatus${p.status}`,
        { id: p.id.toString(), status: p.status },
        explained.get(`${key}:${p.status}`) ?? p.blockNumber,
      ),
      topics: [["proposal", p.id.toString()]],
      root: null,
    });
  }
  return { changes, rootsRead: new Set(roots.map((r) => r.epoch)) };
}

/** What a status change publishes: a proposal's as a chain event, a root's as payouts. */
async function publicationOf(
  liveRoots: LiveRoots,
  change: StatusChange,
  previous: string,
): Promise<Publication | null> {
  if (!change.root) return { event: change.event, topics: change.topics, payouts: [] };
  const events: PayoutEvent[] = [];
  if (previous === "Live") events.push(...liveRoots.leftLive(change.root.epoch, change.status));
  if (change.status === "Live") events.push(...(await liveRoots.wentLive(change.root)));
  return events.length > 0 ? { event: change.event, topics: [], payouts: events } : null;
}

/**
 * Status changes since the last poll, as publications (none for a row seen the first time). A
 * root remembered live whose row the read did not return went back, by a reorg, to a row
 * touched before the window: it is no longer live, and is taken as Proposed until its row is
 * touched again.
 */
export async function statusPublications(
  state: StatusState,
  from: bigint,
  to: bigint,
): Promise<Publication[]> {
  const { liveRoots, statuses } = state;
  const { changes, rootsRead } = await readStatuses(state, from, to);
  const out: Publication[] = [];
  for (const change of changes) {
    const previous = statuses.get(change.key);
    statuses.set(change.key, change.status);
    if (previous === change.status || previous === undefined) continue;
    const publication = await publicationOf(liveRoots, change, previous);
    if (publication) out.push(publication);
  }
  for (const epoch of liveRoots.remembered()) {
    if (rootsRead.has(epoch)) continue;
    statuses.set(`root:${epoch}`, "Proposed");
    const event = synthetic("AttributionSettlement", "RootProposed", { epoch }, to);
    out.push({ event, topics: [], payouts: liveRoots.leftLive(epoch, null) });
  }
  liveRoots.prune(from);
  return out;
}
