// `payouts(account)` executed against the whole schema: the typed members as a client selects
// them, from the payloads the feeder, the runtime and the settlement publish.
import { type GraphQLUnionType, parse, subscribe } from "graphql";
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { createPubSubBus } from "../feeder/pubsub.ts";
import type { PayoutAccrued, PayoutClaimed, RootLive } from "../payouts/events.ts";
import { revertPayout } from "../payouts/events.ts";
import { createPayoutPublisher } from "../payouts/publisher.ts";
import { schema } from "./index.ts";

const account = getAddress(`0x${"a1".repeat(20)}`);
const someoneElse = getAddress(`0x${"b2".repeat(20)}`);
const hash = `0x${"cd".repeat(32)}` as const;

const accrued = (to: typeof account): PayoutAccrued => ({
  kind: "PayoutAccrued",
  id: `PayoutAccrued:${someoneElse}:${hash}:${to}`,
  account: to,
  amount: "300",
  shares: [
    { role: "operator", amount: "100" },
    { role: "adapter", amount: "200" },
  ],
  payer: someoneElse,
  requestId: hash,
  agentId: "1",
  policyVersion: 1,
  issuedAt: "1700000000",
});
const live: RootLive = {
  kind: "RootLive",
  id: "RootLive:2@40",
  account: null,
  epoch: "2",
  root: hash,
  blockNumber: "40",
};
const claimed: PayoutClaimed = {
  kind: "PayoutClaimed",
  id: `40-1@${hash}`,
  account: someoneElse,
  recipient: account,
  amount: "5",
  cumulativeClaimed: "5",
  liveEpoch: null,
  liveRoot: null,
  log: { blockNumber: "40", logIndex: 1, transactionHash: hash, timestamp: "1700000000" },
};

const DOCUMENT = parse(`subscription($a: Address!) { payouts(account: $a) {
  __typename
  ... on PayoutEventBase { id account }
  ... on PayoutAccrued { amount shares { role amount } requestId agentId issuedAt }
  ... on RootLive { epoch blockNumber }
  ... on PayoutClaimed { recipient amount liveEpoch logIndex timestamp }
  ... on PayoutReverted { revertedId reason reverted { __typename ... on PayoutClaimed { amount } } }
} }`);

/** The ids `payouts(account)` delivers, over a new in-process bus. */
async function idsOf(namespace: string) {
  const bus = createPubSubBus(undefined, namespace);
  const stream = (await subscribe({
    schema,
    document: parse(
      `subscription($a: Address!) { payouts(account: $a) { ... on PayoutEventBase { id } } }`,
    ),
    variableValues: { a: account },
    contextValue: { pubsub: bus },
  })) as AsyncIterableIterator<{ data?: { payouts: { id: string } } }>;
  return { bus, stream };
}

describe("payouts(account)", () => {
  it("delivers the account's events and root events, typed, and nobody else's", async () => {
    const bus = createPubSubBus(undefined, "test");
    const stream = (await subscribe({
      schema,
      document: DOCUMENT,
      variableValues: { a: account.toLowerCase() },
      contextValue: { pubsub: bus },
    })) as AsyncIterableIterator<{ data?: { payouts: Record<string, unknown> }; errors?: unknown }>;
    // The topics are listened to from the first read on: start it before publishing.
    const first = stream.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const publisher = createPayoutPublisher(bus);
    publisher.publish(accrued(someoneElse));
    publisher.publish(accrued(account));
    publisher.publish(live);
    publisher.publish(revertPayout(claimed, "REORG"));
    const got = [];
    for (let i = 0; i < 3; i++) {
      const next = i === 0 ? await first : await stream.next();
      expect(next.value.errors).toBeUndefined();
      got.push(next.value.data?.payouts);
    }
    await stream.return?.();
    expect(got).toEqual([
      {
        __typename: "PayoutAccrued",
        id: accrued(account).id,
        account,
        amount: "300",
        shares: [
          { role: "OPERATOR", amount: "100" },
          { role: "ADAPTER", amount: "200" },
        ],
        requestId: hash,
        agentId: "1",
        issuedAt: "2023-11-14T22:13:20.000Z",
      },
      { __typename: "RootLive", id: "RootLive:2@40", account: null, epoch: "2", blockNumber: "40" },
      // A claim reorged out reaches its recipient too, as the claim did.
      {
        __typename: "PayoutReverted",
        id: `PayoutReverted:${claimed.id}`,
        account: someoneElse,
        revertedId: claimed.id,
        reason: "REORG",
        reverted: { __typename: "PayoutClaimed", amount: "5" },
      },
    ]);
  });

  it("keeps the order of publication across the account's events and root events", async () => {
    const { bus, stream } = await idsOf("order");
    const publisher = createPayoutPublisher(bus);
    const first = stream.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A root event read: while the client handles it, the next ones are published.
    publisher.publish({ ...live, id: "RootLive:1@30" });
    await first;
    // As the feeder publishes a root going live: RootLive to everyone, then the settled
    // payouts to each account, several at once.
    const events = [
      live,
      accrued(account),
      { ...live, id: "RootLive:3@41" },
      revertPayout(claimed, "REORG"),
    ];
    for (const event of events) publisher.publish(event);
    const ids = [];
    for (const _ of events) ids.push((await stream.next()).value.data?.payouts.id);
    await stream.return?.();
    expect(ids).toEqual(events.map((e) => e.id));
  });

  it("delivers an event published again (a relay or feeder resuming after a crash) once; an event made again after its revert, and that revert, pass", async () => {
    const { bus, stream } = await idsOf("once");
    const first = stream.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const publisher = createPayoutPublisher(bus);
    const batch = [accrued(account), live, revertPayout(accrued(account), "UNPAID")];
    // A batch published, then published again before it was deleted; then again in part.
    for (const event of [...batch, ...batch, batch[0], batch[2]])
      publisher.publish(event as (typeof batch)[number]);
    // A reorg takes the root's going live back, and the new chain makes it live at the same
    // height (same id), then takes it back again: each step holds.
    const reverted = revertPayout(live, "REORG");
    for (const event of [reverted, live, reverted, reverted]) publisher.publish(event);
    publisher.publish({ ...live, id: "RootLive:9@99" });
    const ids = [(await first).value.data?.payouts.id];
    while (ids.at(-1) !== "RootLive:9@99") ids.push((await stream.next()).value.data?.payouts.id);
    await stream.return?.();
    expect(ids).toEqual([
      ...batch.map((e) => e.id),
      reverted.id,
      live.id,
      reverted.id,
      "RootLive:9@99",
    ]);
  });

  it("lets a client select any field on every member at once: one type per field name", () => {
    const union = schema.getType("PayoutEvent") as GraphQLUnionType;
    const types = new Map<string, Set<string>>();
    for (const member of union.getTypes()) {
      expect(member.getInterfaces().map((i) => i.name)).toEqual(["PayoutEventBase"]);
      for (const field of Object.values(member.getFields())) {
        const seen = types.get(field.name) ?? new Set();
        seen.add(String(field.type));
        types.set(field.name, seen);
      }
    }
    const conflicting = [...types].filter(([, seen]) => seen.size > 1);
    expect(conflicting).toEqual([]);
  });
});
