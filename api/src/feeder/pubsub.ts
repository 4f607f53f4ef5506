import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub, Repeater } from "graphql-yoga";
import { Redis } from "ioredis";
import type { TopicEvent } from "../chain-events/index.ts";
import type { PayoutEvent } from "../payouts/events.ts";
import type { TrainingProgressEvent } from "../training/store.ts";

/**
 * A chain log (or a status change without one) as the feeder reads it, in chain order; REVERTED
 * when a reorg removed it. Topics get it typed (TopicEvent, PayoutEvent).
 */
export interface ChainEvent {
  action: "ADDED" | "REVERTED";
  /** `<block>-<logIndex>@<blockHash>` for logs; `<name>:<key>@<block>` for status changes without a log. */
  id: string;
  contract: string;
  name: string;
  args: Record<string, unknown>;
  blockNumber: string;
  /** Null for status changes. */
  blockHash: string | null;
  logIndex: number | null;
  transactionHash: string | null;
  timestamp: string | null;
}

export type Topics = {
  /** Per account (checksummed address) and `*` for events every payout subscriber gets. */
  payouts: [account: string, event: PayoutEvent];
  agent: [agentId: string, event: TopicEvent];
  proposal: [proposalId: string, event: TopicEvent];
  /** A training job's progress and final state, per job id. */
  training: [jobId: string, event: TrainingProgressEvent];
  /** Rows were committed to the payout outbox (a hint to its relay, which also polls). */
  payoutOutbox: [key: "committed", rows: number];
};

type Bus = ReturnType<typeof createPubSub<Topics>>;

export interface PubSub {
  /** Keys are namespaced by deployment, so stacks sharing one Redis do not hear each other. */
  pubsub: Pick<Bus, "publish" | "subscribe">;
  /**
   * One stream of several keys of a topic, in the order their events were published: merging
   * one subscription per key would not keep it (a root going live and the settled payouts that
   * follow it go to different keys).
   */
  subscribeMany<T extends keyof Topics>(topic: T, keys: string[]): AsyncIterable<Topics[T][1]>;
  /**
   * Resolves once what was published before the call has reached the bus: a round trip on the
   * Redis connection that publishes (it answers in order), nothing in-process.
   */
  flush(): Promise<void>;
  /** Redis clients when shared across replicas (for leadership of the feeder), null in-process. */
  redis: Redis | null;
  close(): Promise<void>;
}

/**
 * The bus over `target`, keys namespaced. Events are named as graphql-yoga's `createPubSub`
 * names them (`<topic>:<namespace>|<key>`), so `subscribeMany` listens on the same target.
 */
function namespaced(
  target: EventTarget,
  namespace: string,
): Pick<PubSub, "pubsub" | "subscribeMany"> {
  const bus = createPubSub<Topics>({ eventTarget: target as never });
  const name = (topic: keyof Topics, key: string) => `${topic}:${namespace}|${key}`;
  return {
    pubsub: {
      publish: ((topic: keyof Topics, key: string, event: Topics[keyof Topics][1]) =>
        bus.publish(topic as "payouts", `${namespace}|${key}`, event as never)) as Bus["publish"],
      subscribe: ((topic: keyof Topics, key: string) =>
        bus.subscribe(topic as "payouts", `${namespace}|${key}`)) as Bus["subscribe"],
    },
    // One listener per key pushing into one stream: the target dispatches in publish order.
    subscribeMany: (topic, keys) =>
      new Repeater((push, stop) => {
        const listener = (event: Event) => void push((event as CustomEvent).detail);
        for (const key of keys) target.addEventListener(name(topic, key), listener);
        stop.then(() => {
          for (const key of keys) target.removeEventListener(name(topic, key), listener);
        });
      }),
  };
}

/** Redis pub/sub when `redisUrl` is set (every replica sees every event); in-process otherwise. */
export function createPubSubBus(redisUrl: string | undefined, namespace: string): PubSub {
  if (!redisUrl) {
    return {
      ...namespaced(new EventTarget(), namespace),
      flush: async () => {},
      redis: null,
      close: async () => {},
    };
  }
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false });
  const eventTarget = createRedisEventTarget<Topics[keyof Topics] extends never ? never : any>({
    publishClient,
    subscribeClient,
  });
  return {
    ...namespaced(eventTarget as unknown as EventTarget, namespace),
    flush: async () => void (await publishClient.ping()),
    redis: publishClient,
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
