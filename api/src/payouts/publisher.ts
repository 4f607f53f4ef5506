import type { PubSub } from "../feeder/pubsub.ts";
import { type PayoutEvent, payoutKeys } from "./events.ts";

/** Publishes payout events to every `payouts` topic key they concern. */
export interface PayoutPublisher {
  publish(event: PayoutEvent): void;
}

export function createPayoutPublisher(bus: PubSub): PayoutPublisher {
  return {
    publish(event) {
      for (const key of payoutKeys(event)) bus.pubsub.publish("payouts", key, event);
    },
  };
}
