/** What the merge policy needs to know of a sealed segment. */
export interface SegmentSize {
  tokens: number;
  deadTokens: number;
  /** Documents, and how many of them are removed. */
  docs: number;
  dead: number;
}

export interface MergePolicyOptions {
  /** The size of a freshly sealed segment: tier 0 is anything up to mergeFactor times this. */
  segmentTokens: number;
  /** How many segments of one tier are merged into one (and how many a tier may hold). */
  mergeFactor: number;
  /** A segment whose removed share of tokens exceeds this is rewritten without them. */
  maxDeletedRatio: number;
}

/**
 * Tiered merging: segments fall into size tiers a factor of `mergeFactor` apart; a tier holding
 * `mergeFactor` segments has its smallest ones merged into one of the next tier. Each token is
 * thus rewritten about log_F(corpus / segmentTokens) times over the index's life, never once per
 * addition, and a query searches at most (F - 1) segments per tier. Returns the indexes into
 * `segments` to merge together next (a single index: rewrite to drop removed documents), or null
 * when nothing needs doing.
 */
export function pickMerge(
  segments: readonly SegmentSize[],
  options: MergePolicyOptions,
): number[] | null {
  const { segmentTokens, mergeFactor, maxDeletedRatio } = options;
  const tiers = new Map<number, number[]>();
  segments.forEach((segment, i) => {
    const live = segment.tokens - segment.deadTokens;
    const tier =
      live <= segmentTokens
        ? 0
        : Math.floor(Math.log(live / segmentTokens) / Math.log(mergeFactor));
    const members = tiers.get(tier) ?? [];
    members.push(i);
    tiers.set(tier, members);
  });
  const live = (i: number) => (segments[i]?.tokens ?? 0) - (segments[i]?.deadTokens ?? 0);
  for (const tier of [...tiers.keys()].sort((a, b) => a - b)) {
    const members = tiers.get(tier) ?? [];
    if (members.length >= mergeFactor) {
      return members.sort((a, b) => live(a) - live(b) || a - b).slice(0, mergeFactor);
    }
  }
  const worn = segments.findIndex(
    (s) => s.dead > 0 && (s.dead === s.docs || s.deadTokens >= s.tokens * maxDeletedRatio),
  );
  return worn >= 0 ? [worn] : null;
}
