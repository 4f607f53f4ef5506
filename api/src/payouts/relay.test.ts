// The payout outbox end to end below HTTP: calls charged by the real ledger on a real app
// database (PGlite; Postgres with DATABASE_URL), relayed onto the real bus (in-process; Redis
// with REDIS_URL), received by `payouts(account)` executed against the whole schema. Each
// subscriber sees each accrued event once, across crashes and replicas.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { count } from "drizzle-orm";
import { parse, subscribe } from "graphql";
import { Redis } from "ioredis";
import pino from "pino";
import { type Address, parseEther } from "viem";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createLedger } from "../agents/ledger.ts";
import { type AppDatabase, createAppDatabase } from "../db/index.ts";
import { payoutOutbox } from "../db/schema.ts";
import { holdLease } from "../feeder/lease.ts";
import { createPubSubBus, type PubSub } from "../feeder/pubsub.ts";
import { schema } from "../schema/index.ts";
import { accruedEventsOfCall, accruedOfCharge } from "./accrued.ts";
import type { PayoutEvent } from "./events.ts";
import { payoutsCommitted } from "./outbox.ts";
import { operator, payees, payer, protocol, storedCall } from "./receipt-fixture.ts";
import { startPayoutRelay } from "./relay.ts";

const log = pino({ level: "silent" });
const redisUrl = process.env.REDIS_URL;
const dir = mkdtempSync(path.join(tmpdir(), "outbox-"));
const modes = [
  ["pglite", () => createAppDatabase({ dataDir: dir })],
  ...(process.env.DATABASE_URL
    ? [["postgres", () => createAppDatabase({ databaseUrl: process.env.DATABASE_URL })] as const]
    : []),
] as const;
const PAYOUTS = parse(
  `subscription($a: Address!) { payouts(account: $a) { ... on PayoutEventBase { id } } }`,
);

/** Charges a call as the runtime does: its accrued events queued with the charge. */
async function charge(app: AppDatabase, bus: PubSub | null): Promise<PayoutEvent[]> {
  const requestId = `call-${randomUUID()}`;
  const price = parseEther("1");
  const call = await storedCall(requestId, price);
  const ledger = createLedger(app.db);
  await ledger.reserve({
    payer,
    requestId,
    agentId: 1n,
    operator,
    inputHash: requestId,
    maxPrice: price,
    poolRequestId: requestId,
    voucher: { cap: 10n ** 30n, expiry: 10n ** 12n, signature: "0x01" },
    chain: { redeemed: 0n, availableEscrow: 10n ** 30n },
    voucherValidFrom: 0n,
  });
  const row = await ledger.settle(
    { payer, requestId },
    { price, tokensIn: 5, tokensOut: 9, result: {}, receipt: JSON.parse(call.receipt) },
    (charged) => accruedOfCharge(charged, protocol, () => null, log),
  );
  if (bus) payoutsCommitted(bus);
  return accruedEventsOfCall(row, protocol, () => null);
}

/** One `payouts` subscription per payee, collecting the ids each delivers. */
async function subscribers(bus: PubSub) {
  const received = new Map<string, string[]>();
  const streams = await Promise.all(
    payees.map(async (a) => {
      const ids: string[] = [];
      received.set(a, ids);
      const stream = (await subscribe({
        schema,
        document: PAYOUTS,
        variableValues: { a },
        contextValue: { pubsub: bus },
      })) as AsyncIterableIterator<{ data?: { payouts: { id: string } } }>;
      void (async () => {
        for await (const r of stream) ids.push(r.data?.payouts.id as string);
      })();
      return stream;
    }),
  );
  // Listening starts with the first read (and a Redis SUBSCRIBE round trip).
  await new Promise((r) => setTimeout(r, bus.redis ? 300 : 20));
  return {
    /** Every subscriber got its events of `events`, in order, each once (checked after a moment). */
    async receivedOnce(events: PayoutEvent[]) {
      const expected = (a: string) => events.filter((e) => e.account === a).map((e) => e.id);
      expect(events.length).toBeGreaterThan(payees.length);
      await vi.waitFor(() => {
        for (const a of payees) expect(received.get(a)?.length).toBe(expected(a).length);
      }, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      for (const a of payees) expect(received.get(a), a).toEqual(expected(a));
    },
    close: () => Promise.all(streams.map((s) => s.return?.())),
  };
}

/** A bus that counts each payout's publications (per event id). */
function counted(bus: PubSub, counts: Map<string, number>): PubSub {
  const publish = bus.pubsub.publish;
  const pubsub = {
    ...bus.pubsub,
    publish: ((topic: string, key: string, event: PayoutEvent) => {
      if (topic === "payouts") counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
      return (publish as (...a: unknown[]) => void)(topic, key, event);
    }) as PubSub["pubsub"]["publish"],
  };
  return { ...bus, pubsub };
}

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const queuedRows = async (app: AppDatabase) =>
  (await app.db.select({ n: count() }).from(payoutOutbox))[0]?.n;

for (const [mode, open] of modes) {
  describe(`payout outbox relay (${mode}, ${redisUrl ? "Redis" : "in-process"} bus)`, () => {
    const namespace = `outbox-test:${randomUUID()}`;
    const buses: PubSub[] = [];
    const bus = () => {
      const b = createPubSubBus(redisUrl, namespace);
      buses.push(b);
      return b;
    };
    afterAll(async () => {
      for (const b of buses) await b.close();
    });

    it("a crash after the charge commits and before the publish: a relay started afterwards delivers each accrued event once", async () => {
      let app = await open();
      await app.db.delete(payoutOutbox);
      // The process charges calls and dies as it publishes: its bus refuses the payouts.
      const dying = bus();
      const broken: PubSub = {
        ...dying,
        pubsub: {
          ...dying.pubsub,
          publish: () => {
            throw new Error("the process died");
          },
        },
      };
      const relay = startPayoutRelay({ db: app.db, bus: broken, log, pollMs: 50 });
      const events = [...(await charge(app, dying)), ...(await charge(app, dying))];
      await relay.run();
      expect(await queuedRows(app)).toBe(events.length);
      await relay.stop();
      await app.close();

      // The next process opens the same store; subscribers are already connected.
      app = await open();
      const next = bus();
      const listening = await subscribers(next);
      const restarted = startPayoutRelay({ db: app.db, bus: next, log });
      await listening.receivedOnce(events);
      expect(await queuedRows(app)).toBe(0);
      await restarted.stop();
      await listening.close();
      await app.close();
    });

    it("a crash between the publish and the delete publishes the batch again: each subscriber sees each event once", async () => {
      const app = await open();
      await app.db.delete(payoutOutbox);
      const counts = new Map<string, number>();
      const base = counted(bus(), counts);
      let crashes = 1;
      const crashing: PubSub = {
        ...base,
        flush: async () => {
          await base.flush();
          if (crashes-- > 0) throw new Error("crashed before the delete committed");
        },
      };
      const listening = await subscribers(base);
      const events = [...(await charge(app, null)), ...(await charge(app, null))];
      // Its first batch holds both calls' events: published, then the crash.
      const relay = startPayoutRelay({ db: app.db, bus: crashing, log, pollMs: 50 });
      await listening.receivedOnce(events);
      expect(await queuedRows(app)).toBe(0);
      expect(events.map((e) => counts.get(e.id))).toEqual(events.map(() => 2));
      await relay.stop();
      await listening.close();
      await app.close();
    });

    it("a row this version cannot read is logged and dropped; the events behind it are delivered", async () => {
      const app = await open();
      await app.db.delete(payoutOutbox);
      const errors: unknown[] = [];
      const recording = pino(
        { level: "error" },
        { write: (line: string) => void errors.push(JSON.parse(line)) },
      );
      const next = bus();
      const listening = await subscribers(next);
      // Written first, so it heads every batch: a revert without what it reverts, then no account.
      await app.db.insert(payoutOutbox).values([
        { eventId: "damaged-1", event: { kind: "PayoutReverted", id: "damaged-1" } as never },
        { eventId: "damaged-2", event: { id: "damaged-2" } as never },
      ]);
      const events = [...(await charge(app, null)), ...(await charge(app, null))];
      const relay = startPayoutRelay({ db: app.db, bus: next, log: recording, pollMs: 50 });
      await listening.receivedOnce(events);
      expect(await queuedRows(app)).toBe(0);
      expect(errors.map((e) => (e as { event: { id: string } }).event.id)).toEqual([
        "damaged-1",
        "damaged-2",
      ]);
      await relay.stop();
      await listening.close();
      await app.close();
    });

    it("two relays on one outbox (two replicas) publish each event once, across a lease lost mid-batch", async () => {
      const app = await open();
      await app.db.delete(payoutOutbox);
      const counts = new Map<string, number>();
      // With Redis each replica has its bus and the client a third; in-process, one bus.
      const shared = redisUrl ? null : bus();
      const [busA, busB, busC] = [shared ?? bus(), shared ?? bus(), shared ?? bus()];
      const [a, b] = [counted(busA, counts), counted(busB, counts)];
      let stall: { entered: () => void; gate: Promise<void> } | null = null;
      const stalling: PubSub = {
        ...a,
        flush: async () => {
          await a.flush();
          const s = stall;
          stall = null;
          s?.entered();
          await s?.gate;
        },
      };
      // Each replica relays while it holds the lease; in-process both believe they do.
      const redis = redisUrl ? new Redis(redisUrl) : null;
      const key = `tributary:feeder:${namespace}`;
      const lease = (owner: string) => (redis ? () => holdLease(redis, key, owner) : undefined);
      const listening = await subscribers(busC);
      const relayA = startPayoutRelay({ db: app.db, bus: stalling, log, leads: lease("A") });
      await relayA.run();
      const relayB = startPayoutRelay({ db: app.db, bus: b, log, leads: lease("B") });
      // A commit on B's replica wakes the relay on A's.
      const events = await charge(app, b);
      await vi.waitFor(() => expect(events.every((e) => counts.get(e.id) === 1)).toBe(true));

      // A publishes a batch and stalls before deleting it; meanwhile its lease lapses and B
      // takes over (with Redis) and relays.
      const entered = deferred();
      const gate = deferred();
      stall = { entered: entered.resolve, gate: gate.promise };
      events.push(...(await charge(app, null)), ...(await charge(app, null)));
      const runA = relayA.run();
      await entered.promise;
      await redis?.del(key);
      const runB = relayB.run();
      await new Promise((r) => setTimeout(r, 200));
      gate.resolve();
      await Promise.all([runA, runB]);
      if (redis) expect(await redis.get(key)).toBe("B");
      events.push(...(await charge(app, a)));
      await Promise.all([relayA.run(), relayB.run()]);

      await listening.receivedOnce(events);
      expect(events.map((e) => counts.get(e.id))).toEqual(events.map(() => 1));
      expect(await queuedRows(app)).toBe(0);
      await Promise.all([relayA.stop(), relayB.stop(), listening.close()]);
      redis?.disconnect();
      await app.close();
    });
  });
}
