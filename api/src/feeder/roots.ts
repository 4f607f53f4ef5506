// The payout side of settlement roots' statuses. A root going live publishes RootLive and its
// settled events; a live root that stops being live reverts them. On chain a live root stays
// live (challenges and vetoes need its challenge delay still running), so only a reorg does
// that: of the block that passed its `liveAt` (REORG), replaced by one with a challenge
// (CHALLENGED) or a veto (VETOED).
import type { Logger } from "pino";
import {
  type PayoutReverted,
  type PayoutSettled,
  type RevertiblePayoutEvent,
  revertPayout,
} from "../payouts/events.ts";
import type { LiveRoot } from "../payouts/settled.ts";

/** The settled events of a root that went live (null: this API does not hold its leaves). */
export type SettledSource = (live: LiveRoot) => Promise<PayoutSettled[] | null>;

export function createLiveRoots(options: { settled?: SettledSource | undefined; log: Logger }) {
  /** What each root's going live published, while it is within the reorg window. */
  const published = new Map<bigint, { blockNumber: bigint; events: RevertiblePayoutEvent[] }>();

  async function settledOf(live: LiveRoot): Promise<PayoutSettled[]> {
    if (!options.settled) return [];
    try {
      const events = await options.settled(live);
      if (events === null)
        options.log.info(
          { epoch: live.epoch.toString() },
          "no leaves of this root here: RootLive goes out without settled payouts",
        );
      return events ?? [];
    } catch (error) {
      // The poll has advanced past this block: the root's liveness is reported regardless.
      options.log.warn(
        { err: error, epoch: live.epoch.toString() },
        "reading settled leaves failed",
      );
      return [];
    }
  }

  return {
    /** RootLive, then one PayoutSettled per account whose leaf grew. */
    async wentLive(live: LiveRoot): Promise<RevertiblePayoutEvent[]> {
      const events: RevertiblePayoutEvent[] = [
        {
          kind: "RootLive",
          id: `RootLive:${live.epoch}@${live.blockNumber}`,
          account: null,
          epoch: live.epoch.toString(),
          root: live.root,
          blockNumber: live.blockNumber.toString(),
        },
        ...(await settledOf(live)),
      ];
      published.set(live.epoch, { blockNumber: live.blockNumber, events });
      return events;
    },

    /** Reverts, newest first, what the root's going live published; `status` is its status now. */
    leftLive(epoch: bigint, status: string | null): PayoutReverted[] {
      const entry = published.get(epoch);
      if (!entry) return [];
      published.delete(epoch);
      const reason =
        status === "Vetoed" ? "VETOED" : status === "Challenged" ? "CHALLENGED" : "REORG";
      return entry.events.map((event) => revertPayout(event, reason)).reverse();
    },

    /** Roots whose going live is remembered (a live root's row is read while it is). */
    remembered(): bigint[] {
      return [...published.keys()];
    },

    /** Forgets roots that went live below `from`: deeper reorgs are not reported. */
    prune(from: bigint) {
      for (const [epoch, entry] of published) if (entry.blockNumber < from) published.delete(epoch);
    },

    clear() {
      published.clear();
    },
  };
}

export type LiveRoots = ReturnType<typeof createLiveRoots>;
