import { randomUUID } from "node:crypto";
import * as t from "@tributary/indexer/schema";
import { and, asc, eq, gt, gte, inArray, lte, or } from "drizzle-orm";
import type { Logger } from "pino";
import { topicEventOf } from "../chain-events/index.ts";
import { payoutOfChainEvent } from "../payouts/chain.ts";
import { revertPayout } from "../payouts/events.ts";
import { createPayoutPublisher } from "../payouts/publisher.ts";
import type { ChainReader } from "../reader/index.ts";
import { coalesce } from "./coalesce.ts";
import type { CursorStore, FeederCursor } from "./cursor.ts";
import { holdLease, releaseLease } from "./lease.ts";
import { chainEventOf, chainOrder, type Publication } from "./publication.ts";
import type { ChainEvent, PubSub } from "./pubsub.ts";
import { createLiveRoots, type SettledSource } from "./roots.ts";
import { STATUS_LOGS, type StatusState, statusPublications } from "./statuses.ts";
import { EventWindow, type Seen, type TopicKeys } from "./window.ts";

/** Blocks behind the indexed head watched for reorgs: deeper reorgs are not reported. */
export const REORG_WINDOW = 64n;
/** A cursor's log index meaning "all of the block". */
const WHOLE_BLOCK = 2_147_483_647;
/** Logs read per query: a burst of logs is read in pages rather than in one result. */
export const FEEDER_PAGE = 500;

interface Position {
  blockNumber: bigint;
  logIndex: number;
}

export interface Feeder {
  /** Reads once now (tests and the first tick); resolves when published. */
  poll(): Promise<void>;
  /**
   * Whether this replica feeds the deployment now: it holds (takes or renews) the Redis lease,
   * or there is no Redis. False once stopped.
   */
  leads(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Turns indexer ticks into subscription events, exactly once per event. Each tick reads only the
 * logs after the last one read (in pages, by the (block, log index) index) and compares the
 * hashes of the blocks it read within the last REORG_WINDOW blocks with the indexer's: the logs
 * of a block whose hash changed are REVERTED and the block is read again, so a reorg that puts
 * another log at the same position yields both. Logs are identified by block hash and log
 * index. Statuses that change with time rather than by a log (a root going Live, a proposal
 * Expiring) are diffed too. With Redis, one replica per deployment holds a lease and feeds.
 * `payouts` gets typed events instead (src/payouts/): a reorg reverts them as PayoutReverted, and
 * a root going live is RootLive with the settled payouts of its leaves (`settled`).
 */
export function startFeeder(options: {
  reader: ChainReader;
  bus: PubSub;
  log: Logger;
  deploymentKey: string;
  /** Where the cursor persists; without one a new leader starts from the head, silently. */
  cursor?: CursorStore | undefined;
  /** The settled payouts of a root that went live; without it RootLive goes out alone. */
  settled?: SettledSource | undefined;
}): Feeder & { leaseKey: string; owner: string } {
  const { reader, bus, log } = options;
  const payouts = createPayoutPublisher(bus);
  const liveRoots = createLiveRoots({ settled: options.settled, log });
  const window = new EventWindow();
  const statuses = new Map<string, string>();
  /** Status changes dated by the log that made them (`<key>:<status>` → block). */
  const explained = new Map<string, bigint>();
  const statusState: StatusState = { reader, liveRoots, statuses, explained };
  let initialised = false;
  /** The last log read (all of a block when its log index is WHOLE_BLOCK). */
  let position: Position | null = null;
  /** The persisted cursor, as last loaded or saved. */
  let cursor: FeederCursor | null = null;
  const owner = randomUUID();
  const leaseKey = `tributary:feeder:${options.deploymentKey}`;

  /** Takes or renews the lease (no Redis: always ours); the feed's state is left alone. */
  const holds = async () => !bus.redis || holdLease(bus.redis, leaseKey, owner);

  async function isLeader(): Promise<boolean> {
    if (await holds()) return true;
    // Another replica feeds; forget our window so that taking over later starts clean.
    initialised = false;
    position = null;
    cursor = null;
    window.clear();
    statuses.clear();
    explained.clear();
    liveRoots.clear();
    return false;
  }

  const publish = ({ topics, event, payouts: events }: Publication) => {
    for (const [topic, key] of topics) {
      const member = topicEventOf(topic, event);
      if (member) bus.pubsub.publish(topic, key, member);
    }
    for (const payout of events) payouts.publish(payout);
  };

  async function topicsFor(event: ChainEvent): Promise<TopicKeys> {
    const a = event.args;
    const topics: TopicKeys = [];
    if (event.contract === "AgentStaking") {
      let agentId = a.agentId as string | undefined;
      if (agentId === undefined && a.unbondingId !== undefined) {
        const [row] = await reader.db
          .select({ agentId: t.unbonding.agentId })
          .from(t.unbonding)
          .where(inArray(t.unbonding.id, [BigInt(a.unbondingId as string)]));
        agentId = row?.agentId.toString();
      }
      if (agentId !== undefined) topics.push(["agent", String(agentId)]);
    }
    if (event.contract === "ProposalMarket") {
      const id = a.id ?? a.proposalId;
      if (id !== undefined) topics.push(["proposal", String(id)]);
    }
    return topics;
  }

  async function pollOnce() {
    if (!(await isLeader())) return;
    const head = await reader.indexedBlock();
    if (!head) return;
    const to = head.number;
    const from = to > REORG_WINDOW ? to - REORG_WINDOW : 0n;
    const reverted: Seen[] = [];
    // A new leader (restart, take-over) resumes from the persisted cursor: what came after it
    // is published, what came up to it is not again, even beyond the reorg window. Without a
    // cursor, the first read only learns the window.
    const resuming = !initialised && options.cursor ? await options.cursor.load() : null;
    if (!initialised) {
      if (resuming) {
        cursor = resuming;
        for (const [key, status] of Object.entries(resuming.statuses)) statuses.set(key, status);
      }
      const start = resuming && resuming.blockNumber < from ? resuming.blockNumber : from;
      position = { blockNumber: start - 1n, logIndex: WHOLE_BLOCK };
    } else if (position) {
      reverted.push(...(await reconcile(from, position.blockNumber)));
    }
    const publishing = initialised || resuming !== null;
    const published = (row: Position) =>
      resuming !== null &&
      (row.blockNumber < resuming.blockNumber ||
        (row.blockNumber === resuming.blockNumber && row.logIndex <= resuming.logIndex));

    const added: Publication[] = [];
    for await (const row of logsAfter(position as Position, to)) {
      const event = chainEventOf(row);
      const status = STATUS_LOGS[`${row.contract}.${row.name}`];
      if (status) {
        const key = `${status.key}:${event.args[status.arg]}:${status.status}`;
        explained.set(key, row.blockNumber);
      }
      const seen: Seen = {
        event,
        blockNumber: row.blockNumber,
        blockHash: row.blockHash,
        topics: await topicsFor(event),
        payout: await payoutOfChainEvent(reader, event),
      };
      // Only logs inside the window can be reorged and need remembering.
      if (row.blockNumber >= from) {
        const { known, superseded } = window.add(seen);
        reverted.push(...superseded);
        if (known) continue;
      }
      if (!published(row))
        added.push({ event, topics: seen.topics, payouts: seen.payout ? [seen.payout] : [] });
    }
    position = { blockNumber: to, logIndex: WHOLE_BLOCK };
    window.prune(from);
    for (const [key, block] of explained) if (block < from) explained.delete(key);

    added.push(...(await statusPublications(statusState, from, to)));
    if (publishing) {
      // Undo newest first, then add oldest first; a status change follows its block's logs.
      const undo = reverted.map(
        ({ topics, event, payout }): Publication => ({
          topics,
          event: { ...event, action: "REVERTED" },
          payouts: payout ? [revertPayout(payout, "REORG")] : [],
        }),
      );
      undo.sort((a, b) => -chainOrder(a.event, b.event));
      added.sort((a, b) => chainOrder(a.event, b.event));
      for (const publication of [...undo, ...added]) publish(publication);
    }
    await saveCursor(to);
    initialised = true;
  }

  /**
   * Compares the blocks read so far with the indexer's hashes of the window (a few rows), and
   * moves the read position back before the first block that changed.
   */
  async function reconcile(from: bigint, readTo: bigint): Promise<Seen[]> {
    const rows = await reader.db
      .select()
      .from(t.eventBlock)
      .where(and(gte(t.eventBlock.number, from), lte(t.eventBlock.number, readTo)));
    const chain = new Map(rows.map((r) => [r.number, r.hash as string]));
    const { reverted, rewindTo } = window.reconcile(chain, from, readTo);
    if (rewindTo !== null) position = { blockNumber: rewindTo - 1n, logIndex: WHOLE_BLOCK };
    return reverted;
  }

  /** The logs after `after` up to block `to`, in chain order, read a page at a time. */
  async function* logsAfter(after: Position, to: bigint) {
    let last = after;
    for (;;) {
      const page = await reader.db
        .select()
        .from(t.eventLog)
        .where(
          and(
            or(
              gt(t.eventLog.blockNumber, last.blockNumber),
              and(
                eq(t.eventLog.blockNumber, last.blockNumber),
                gt(t.eventLog.logIndex, last.logIndex),
              ),
            ),
            lte(t.eventLog.blockNumber, to),
          ),
        )
        .orderBy(asc(t.eventLog.blockNumber), asc(t.eventLog.logIndex))
        .limit(FEEDER_PAGE);
      yield* page;
      if (page.length < FEEDER_PAGE) return;
      const tail = page[page.length - 1] as (typeof page)[number];
      last = { blockNumber: tail.blockNumber, logIndex: tail.logIndex };
    }
  }

  /**
   * Saved after publishing: a crash between the two re-emits this poll's events on restart
   * (subscribers can tell by id) rather than skipping them. Written only when it moved.
   */
  async function saveCursor(head: bigint) {
    if (!options.cursor) return;
    // Every log up to the head read is accounted for (published now or before).
    const next: FeederCursor = {
      blockNumber: head,
      logIndex: WHOLE_BLOCK,
      statuses: Object.fromEntries(statuses),
    };
    if (
      cursor &&
      cursor.blockNumber === next.blockNumber &&
      cursor.logIndex === next.logIndex &&
      JSON.stringify(cursor.statuses) === JSON.stringify(next.statuses)
    )
      return;
    await options.cursor.save(next);
    cursor = next;
  }

  const polls = coalesce(pollOnce, (error) =>
    log.warn({ err: error }, "feeder poll failed; will retry on the next tick"),
  );
  const poll = () => polls.trigger();

  const unsubscribe = reader.onTick(() => void poll());
  // Ticks can be missed while the indexer restarts; a slow timer keeps the feeder honest and
  // renews the Redis lease.
  const timer = setInterval(() => void poll(), 3_000);
  void poll();

  return {
    leaseKey,
    owner,
    poll,
    leads: async () => !polls.stopped && (await holds()),
    async stop() {
      unsubscribe();
      clearInterval(timer);
      await polls.stop();
      if (bus.redis) await releaseLease(bus.redis, leaseKey, owner).catch(() => {});
    },
  };
}
