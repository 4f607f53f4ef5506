import type { IndexedBlock } from "./types.ts";

/**
 * Ponder's 75-character checkpoint: block timestamp (10 digits), chain id (16), block number
 * (16), then transaction index, event type and event index.
 */
export function decodeCheckpoint(checkpoint: string): IndexedBlock {
  return {
    timestamp: BigInt(checkpoint.slice(0, 10)),
    number: BigInt(checkpoint.slice(26, 42)),
  };
}
