import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub } from "graphql-yoga";
import { Redis } from "ioredis";
import type { PayoutEvent } from "../payouts/events.ts";

/** A chain event as `agentEvents` and `proposalUpdates` see it; REVERTED when a reorg removed it. */
export interface ChainEvent {
  action: "ADDED" | "REVERTED";
  /** `<block>-<logIndex>@<blockHash>` for logs; `<name>:<key>@<block>` for status changes without a log. */
  id: string;
  contract: string;
  name: string;
  args: Record<string, unknown>;
  blockNumber: string;
  logIndex: number | null;
  transactionHash: string | null;
  timestamp: string | null;
}

export type Topics = {
  /** Per account (checksummed address) and `*` for events every payout subscriber gets. */
  payouts: [account: string, event: PayoutEvent];
  agent: [agentId: string, event: ChainEvent];
  proposal: [proposalId: string, event: ChainEvent];
};

type Bus = ReturnType<typeof createPubSub<Topics>>;

export interface PubSub {
  /** Keys are namespaced by deployment, so stacks sharing one Redis do not hear each other. */
  pubsub: Pick<Bus, "publish" | "subscribe">;
  /** Redis clients when shared across replicas (for leadership of the feeder), null in-process. */
  redis: Redis | null;
  close(): Promise<void>;
}

/** Redis pub/sub when `redisUrl` is set (every replica sees every event); in-process otherwise. */
function namespaced(bus: Bus, namespace: string): PubSub["pubsub"] {
  return {
    publish: ((topic: keyof Topics, key: string, event: Topics[keyof Topics][1]) =>
      bus.publish(topic as "payouts", `${namespace}|${key}`, event as never)) as Bus["publish"],
    subscribe: ((topic: keyof Topics, key: string) =>
      bus.subscribe(topic as "payouts", `${namespace}|${key}`)) as Bus["subscribe"],
  };
}

export function createPubSubBus(redisUrl: string | undefined, namespace: string): PubSub {
  if (!redisUrl) {
    return {
      pubsub: namespaced(createPubSub<Topics>(), namespace),
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
    pubsub: namespaced(createPubSub<Topics>({ eventTarget }), namespace),
    redis: publishClient,
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
