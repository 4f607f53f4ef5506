import type { RevertiblePayoutEvent } from "../payouts/events.ts";
import type { ChainEvent } from "./pubsub.ts";

/** The `agentEvents` and `proposalUpdates` topics a chain event goes to. */
export type TopicKeys = ["agent" | "proposal", string][];

/** A log the feeder has read, with where it was published. */
export interface Seen {
  event: ChainEvent;
  blockNumber: bigint;
  blockHash: string;
  topics: TopicKeys;
  /** Its `payouts` event (null: not a payout log). */
  payout: RevertiblePayoutEvent | null;
}

/**
 * The logs of the blocks still inside the reorg window, by block, with the hash each block had
 * when read. A block whose hash changed (or that vanished) was reorged: its logs are reverted.
 */
export class EventWindow {
  private readonly blocks = new Map<bigint, { hash: string; logs: Seen[]; ids: Set<string> }>();

  /**
   * Records a log. `known`: it was read before (a rewind reads unchanged blocks again);
   * `superseded`: the logs of its block as read before, when the block came back with a new hash.
   */
  add(seen: Seen): { known: boolean; superseded: Seen[] } {
    const block = this.blocks.get(seen.blockNumber);
    if (block && block.hash === seen.blockHash) {
      if (block.ids.has(seen.event.id)) return { known: true, superseded: [] };
      block.ids.add(seen.event.id);
      block.logs.push(seen);
      return { known: false, superseded: [] };
    }
    this.blocks.set(seen.blockNumber, {
      hash: seen.blockHash,
      logs: [seen],
      ids: new Set([seen.event.id]),
    });
    return { known: false, superseded: block?.logs ?? [] };
  }

  /**
   * Compares the blocks read up to `readTo` with the chain's current hashes of [from, readTo]
   * (`chain`: every block there that has logs). Returns the logs of the blocks that changed or
   * vanished, and the first block to read again: a changed block, or a block that gained logs
   * at a height already passed.
   */
  reconcile(
    chain: Map<bigint, string>,
    from: bigint,
    readTo: bigint,
  ): { reverted: Seen[]; rewindTo: bigint | null } {
    const reverted: Seen[] = [];
    let rewindTo: bigint | null = null;
    const earliest = (n: bigint) => {
      if (rewindTo === null || n < rewindTo) rewindTo = n;
    };
    for (const [number, block] of this.blocks) {
      if (number < from || number > readTo) continue;
      if (chain.get(number) === block.hash) continue;
      reverted.push(...block.logs);
      this.blocks.delete(number);
      earliest(number);
    }
    for (const [number] of chain) {
      if (number >= from && number <= readTo && !this.blocks.has(number)) earliest(number);
    }
    return { reverted, rewindTo };
  }

  /** Forgets blocks below `from`: deeper reorgs are not reported. */
  prune(from: bigint): void {
    for (const number of this.blocks.keys()) if (number < from) this.blocks.delete(number);
  }

  clear(): void {
    this.blocks.clear();
  }
}
