// Which contributions a job reads, decided from the chain's history alone: those Accepted as of
// the job's data block (a later withdrawal or a reorg cannot change what a block says), and
// which of them are held out for evaluation (a function of the job's seed, per Datanet).
import { createHash } from "node:crypto";

export interface StatusChange {
  contributionId: bigint;
  status: string;
  blockNumber: bigint;
  logIndex: number;
}

/** Ids whose latest status at or before `block` is Accepted (not Pending, Rejected, Withdrawn). */
export function acceptedAt(changes: readonly StatusChange[], block: bigint): Set<bigint> {
  const latest = new Map<bigint, StatusChange>();
  for (const change of changes) {
    if (change.blockNumber > block) continue;
    const seen = latest.get(change.contributionId);
    const later =
      !seen ||
      change.blockNumber > seen.blockNumber ||
      (change.blockNumber === seen.blockNumber && change.logIndex > seen.logIndex);
    if (later) latest.set(change.contributionId, change);
  }
  return new Set(
    [...latest.values()].filter((c) => c.status === "Accepted").map((c) => c.contributionId),
  );
}

/**
 * The contributions held out for evaluation: per Datanet, ⌈n·fraction⌉ of its n contributions
 * (never all of them, none of a Datanet with one), the first in the order of
 * sha256(seed, Datanet, contribution). Whole contributions, so no evaluation text has a sibling
 * chunk in the training set.
 */
export function heldOut(
  contributions: readonly { id: bigint; datanetId: bigint }[],
  seed: number,
  fraction: number,
): Set<bigint> {
  const byDatanet = new Map<bigint, bigint[]>();
  for (const c of contributions)
    byDatanet.set(c.datanetId, [...(byDatanet.get(c.datanetId) ?? []), c.id]);
  const out = new Set<bigint>();
  for (const [datanetId, ids] of byDatanet) {
    const count =
      fraction > 0 && ids.length >= 2
        ? Math.min(ids.length - 1, Math.ceil(ids.length * fraction))
        : 0;
    const rank = (id: bigint) =>
      createHash("sha256").update(`${seed}:${datanetId}:${id}`).digest("hex");
    const ordered = ids
      .map((id) => ({ id, key: rank(id) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { id } of ordered.slice(0, count)) out.add(id);
  }
  return out;
}
