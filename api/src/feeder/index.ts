import { randomUUID } from "node:crypto";
import * as t from "@tributary/indexer/schema";
import { asc, gte, inArray } from "drizzle-orm";
import type { Logger } from "pino";
import type { ChainReader } from "../reader/index.ts";
import type { ChainEvent, PubSub } from "./pubsub.ts";

/** Blocks behind the indexed head re-read on each tick: reorgs deeper than this are not reported. */
export const REORG_WINDOW = 64n;

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
}): Feeder & { leaseKey: string; owner: string } {
  const { reader, bus, log } = options;
  const seen = new Map<string, Seen>();
  const statuses = new Map<string, string>();
  let initialised = false;
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
      for (const key of ["account", "payer", "recipient"]) {
        if (typeof a[key] === "string") topics.push(["payouts", a[key] as string]);
      }
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

  async function readStatuses(from: bigint) {
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
      changes.push({
        key: `root:${r.epoch}`,
        status: r.status,
        event: synthetic(
          "AttributionSettlement",
          `Root${r.status}`,
          { epoch: r.epoch.toString() },
          r.blockNumber,
        ),
        topics: [["payouts", "*"]],
      });
    }
    for (const p of proposals) {
      changes.push({
        key: `proposal:${p.id}`,
        status: p.status,
        event: synthetic(
          "ProposalMarket",
          `ProposalStatus${p.status}`,
          { id: p.id.toString(), status: p.status },
          p.blockNumber,
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
    const from = head.number > REORG_WINDOW ? head.number - REORG_WINDOW : 0n;
    const rows = await reader.db
      .select()
      .from(t.eventLog)
      .where(gte(t.eventLog.blockNumber, from))
      .orderBy(asc(t.eventLog.blockNumber), asc(t.eventLog.logIndex));
    const current = new Set<string>();
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
      if (initialised) publish(topics, event);
    }
    for (const [id, entry] of seen) {
      if (entry.blockNumber < from) {
        seen.delete(id);
      } else if (!current.has(id)) {
        seen.delete(id);
        if (initialised) publish(entry.topics, { ...entry.event, action: "REVERTED" });
      }
    }
    for (const change of await readStatuses(from)) {
      const previous = statuses.get(change.key);
      statuses.set(change.key, change.status);
      if (initialised && previous !== change.status && previous !== undefined)
        publish(change.topics, change.event);
    }
    initialised = true;
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
