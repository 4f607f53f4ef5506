import { randomUUID } from "node:crypto";
import * as t from "@tributary/indexer/schema";
import { and, asc, gte, inArray, lte } from "drizzle-orm";
import type { Logger } from "pino";
import type { ChainReader } from "../reader/index.ts";
import type { CursorStore, FeederCursor } from "./cursor.ts";
import type { ChainEvent, PubSub } from "./pubsub.ts";

/** Blocks behind the indexed head re-read on each tick: reorgs deeper than this are not reported. */
export const REORG_WINDOW = 64n;
/** A cursor's log index meaning "all of the block". */
const WHOLE_BLOCK = 2_147_483_647;

interface Seen {
  event: ChainEvent;
  blockNumber: bigint;
  topics: [keyof import("./pubsub.ts").Topics, string][];
}

export interface Feeder {
  /** Reads once now (tests and the first tick); resolves when published. */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Turns indexer ticks into subscription events, exactly once per event: each tick re-reads the
 * last REORG_WINDOW blocks of `event_log` by cursor, publishes the ids it has not seen (ADDED)
 * and the ids it had seen there that are gone (REVERTED, a reorg). Statuses that change with
 * time rather than by a log (a root going Live, a proposal Expiring) are diffed the same way.
 * With Redis, one replica per deployment holds a lease and feeds; the others stand by.
 */
export function startFeeder(options: {
  reader: ChainReader;
  bus: PubSub;
  log: Logger;
  deploymentKey: string;
  /** Where the cursor persists; without one a new leader starts from the head, silently. */
  cursor?: CursorStore | undefined;
}): Feeder & { leaseKey: string; owner: string } {
  const { reader, bus, log } = options;
  const seen = new Map<string, Seen>();
  const statuses = new Map<string, string>();
  let initialised = false;
  /** The persisted cursor this leader resumed from (first poll) or last saved. */
  let cursor: FeederCursor | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const owner = randomUUID();
  const leaseKey = `tributary:feeder:${options.deploymentKey}`;

  async function isLeader(): Promise<boolean> {
    if (!bus.redis) return true;
    const result = await bus.redis.set(leaseKey, owner, "PX", 10_000, "NX");
    if (result === "OK") return true;
    if ((await bus.redis.get(leaseKey)) === owner) {
      await bus.redis.pexpire(leaseKey, 10_000);
      return true;
    }
    // Another replica feeds; forget our window so that taking over later starts clean.
    initialised = false;
    cursor = null;
    seen.clear();
    statuses.clear();
    return false;
  }

  const publish = (topics: Seen["topics"], event: ChainEvent) => {
    for (const [topic, key] of topics) bus.pubsub.publish(topic as "payouts", key, event);
  };

  async function topicsFor(event: ChainEvent): Promise<Seen["topics"]> {
    const a = event.args;
    const topics: Seen["topics"] = [];
    if (event.contract === "AttributionSettlement") {
      if (event.name.startsWith("Root")) topics.push(["payouts", "*"]);
      // A claim paying the account itself names it twice: one delivery per subscriber.
      const accounts = new Set(
        ["account", "payer", "recipient"].map((key) => a[key]).filter((v) => typeof v === "string"),
      );
      for (const account of accounts) topics.push(["payouts", account as string]);
    }
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

  /**
   * Status rows changed within [from, to]. A row's block is its last touch, which a later log
   * can move (a refund touches a Cancelled proposal): the change is dated by the log that made
   * it when there is one (`explained`), by the row otherwise (time alone: RootLive, lazily
   * Expired, where the Clock handler's touch is the change). Rows touched after `to` wait for
   * the next poll, which reads their logs too.
   */
  async function readStatuses(from: bigint, to: bigint, explained: Map<string, bigint>) {
    const [roots, proposals] = await Promise.all([
      reader.db
        .select({
          epoch: t.settlementRoot.epoch,
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
    const changes: { key: string; status: string; event: ChainEvent; topics: Seen["topics"] }[] =
      [];
    for (const r of roots) {
      if (r.blockNumber > to) continue;
      const key = `root:${r.epoch}`;
      changes.push({
        key,
        status: r.status,
        event: synthetic(
          "AttributionSettlement",
          `Root${r.status}`,
          { epoch: r.epoch.toString() },
          explained.get(`${key}:${r.status}`) ?? r.blockNumber,
        ),
        topics: [["payouts", "*"]],
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
      });
    }
    return changes;
  }

  async function pollOnce() {
    if (!(await isLeader())) return;
    const head = await reader.indexedBlock();
    if (!head) return;
    const to = head.number;
    let from = to > REORG_WINDOW ? to - REORG_WINDOW : 0n;
    // A new leader (restart, take-over) resumes from the persisted cursor: what came after it
    // is published, what came up to it is not again, even beyond the reorg window.
    const resuming = !initialised && options.cursor ? await options.cursor.load() : null;
    if (resuming) {
      cursor = resuming;
      for (const [key, status] of Object.entries(resuming.statuses)) statuses.set(key, status);
      if (resuming.blockNumber < from) from = resuming.blockNumber;
    }
    const publishing = initialised || resuming !== null;
    const published = (row: { blockNumber: bigint; logIndex: number }) =>
      resuming !== null &&
      (row.blockNumber < resuming.blockNumber ||
        (row.blockNumber === resuming.blockNumber && row.logIndex <= resuming.logIndex));
    const rows = await reader.db
      .select()
      .from(t.eventLog)
      .where(and(gte(t.eventLog.blockNumber, from), lte(t.eventLog.blockNumber, to)))
      .orderBy(asc(t.eventLog.blockNumber), asc(t.eventLog.logIndex));
    const explained = new Map<string, bigint>();
    for (const row of rows) {
      const status = STATUS_LOGS[`${row.contract}.${row.name}`];
      if (!status) continue;
      const args = row.args as Record<string, unknown>;
      explained.set(`${status.key}:${args[status.arg]}:${status.status}`, row.blockNumber);
    }
    const current = new Set<string>();
    // Everything this poll learnt, published at the end in chain order: a poll can span several
    // blocks, and a status change (RootLive at block n) must not trail a log of block n + 1.
    const reverted: { topics: Seen["topics"]; event: ChainEvent }[] = [];
    const added: { topics: Seen["topics"]; event: ChainEvent }[] = [];
    for (const row of rows) {
      current.add(row.id);
      if (seen.has(row.id)) continue;
      const event: ChainEvent = {
        action: "ADDED",
        id: row.id,
        contract: row.contract,
        name: row.name,
        args: row.args as Record<string, unknown>,
        blockNumber: row.blockNumber.toString(),
        logIndex: row.logIndex,
        transactionHash: row.transactionHash,
        timestamp: row.timestamp.toString(),
      };
      const topics = await topicsFor(event);
      seen.set(row.id, { event, blockNumber: row.blockNumber, topics });
      if (!published(row)) added.push({ topics, event });
    }
    for (const [id, entry] of seen) {
      if (entry.blockNumber < from) {
        seen.delete(id);
      } else if (entry.blockNumber <= to && !current.has(id)) {
        // (Above `to`, this read cannot tell: the next poll, with a head past it, will.)
        seen.delete(id);
        reverted.push({ topics: entry.topics, event: { ...entry.event, action: "REVERTED" } });
      }
    }
    for (const change of await readStatuses(from, to, explained)) {
      const previous = statuses.get(change.key);
      statuses.set(change.key, change.status);
      if (previous !== change.status && previous !== undefined)
        added.push({ topics: change.topics, event: change.event });
    }
    if (publishing) {
      // Undo newest first, then add oldest first; a status change follows its block's logs.
      reverted.sort((a, b) => -chainOrder(a.event, b.event));
      added.sort((a, b) => chainOrder(a.event, b.event));
      for (const { topics, event } of [...reverted, ...added]) publish(topics, event);
    }
    await saveCursor(to);
    initialised = true;
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

  const poll = async (): Promise<void> => {
    if (stopped) return;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await pollOnce();
        } while (again && !stopped);
      } catch (error) {
        log.warn({ err: error }, "feeder poll failed; will retry on the next tick");
      } finally {
        running = null;
      }
    })();
    return running;
  };

  const unsubscribe = reader.onTick(() => void poll());
  // Ticks can be missed while the indexer restarts; a slow timer keeps the feeder honest and
  // renews the Redis lease.
  const timer = setInterval(() => void poll(), 3_000);
  void poll();

  return {
    leaseKey,
    owner,
    poll,
    async stop() {
      stopped = true;
      unsubscribe();
      clearInterval(timer);
      await running;
      if (bus.redis && (await bus.redis.get(leaseKey).catch(() => null)) === owner)
        await bus.redis.del(leaseKey).catch(() => {});
    },
  };
}

/** Logs that change a status row, so its change is dated by the log rather than the row. */
const STATUS_LOGS: Record<string, { key: string; arg: string; status: string }> = {
  "ProposalMarket.ProposalFulfilled": { key: "proposal", arg: "id", status: "Fulfilled" },
  "ProposalMarket.ProposalCancelled": { key: "proposal", arg: "id", status: "Cancelled" },
  "ProposalMarket.ProposalExpired": { key: "proposal", arg: "id", status: "Expired" },
  "AttributionSettlement.RootVetoed": { key: "root", arg: "epoch", status: "Vetoed" },
};

/** Block, then log index; status changes (no log index) after the logs of their block. */
function chainOrder(a: ChainEvent, b: ChainEvent): number {
  const block = BigInt(a.blockNumber) - BigInt(b.blockNumber);
  if (block !== 0n) return block < 0n ? -1 : 1;
  return (a.logIndex ?? Number.MAX_SAFE_INTEGER) - (b.logIndex ?? Number.MAX_SAFE_INTEGER);
}

function synthetic(
  contract: string,
  name: string,
  args: Record<string, unknown>,
  blockNumber: bigint,
): ChainEvent {
  return {
    action: "ADDED",
    id: `${name}:${Object.values(args)[0]}@${blockNumber}`,
    contract,
    name,
    args,
    blockNumber: blockNumber.toString(),
    logIndex: null,
    transactionHash: null,
    timestamp: null,
  };
}
