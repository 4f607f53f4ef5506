import type { Context } from "ponder:registry";
import { clock } from "ponder:schema";

type Deadline = "nextProposalDeadline" | "nextRootLiveAt";

const earliest = (a: bigint | null, b: bigint) => (a === null || b < a ? b : a);

/** Records that a status may change at `at` (a proposal's deadline, a root's liveAt). */
export async function scheduleStatusChange(
  context: Context,
  block: { number: bigint; timestamp: bigint },
  field: Deadline,
  at: bigint,
): Promise<void> {
  await context.db
    .insert(clock)
    .values({
      id: 1,
      nextProposalDeadline: null,
      nextRootLiveAt: null,
      [field]: at,
      blockNumber: block.number,
      timestamp: block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      [field]: earliest(row[field], at),
      blockNumber: block.number,
      timestamp: block.timestamp,
    }));
}
