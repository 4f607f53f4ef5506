// What an account can claim, from the leaves this service stored for the latest live root.
import * as t from "@tributary/indexer/schema";
import { and, asc, desc, eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { Context } from "../context.ts";
import { settlementLeaf } from "../db/schema.ts";

/** The newest root the indexer shows Live (claims are proven against it), or null. */
export async function latestLiveEpoch(ctx: Pick<Context, "reader">): Promise<bigint | null> {
  const [row] = await ctx.reader.db
    .select({ epoch: t.settlementRoot.epoch })
    .from(t.settlementRoot)
    .where(eq(t.settlementRoot.status, "Live"))
    .orderBy(desc(t.settlementRoot.epoch))
    .limit(1);
  return row?.epoch ?? null;
}

export interface EarnerLeaf {
  epoch: bigint;
  cumulativeEarned: bigint;
  cumulativeVoteEligible: bigint;
  proof: Hex[];
}

/** The stored leaf of `kind` at `epoch` for an account (earners) or an agent (stakers). */
async function storedLeaf(
  ctx: Pick<Context, "app">,
  epoch: bigint,
  owner: { kind: 0; account: Address } | { kind: 1; agentId: bigint },
) {
  const [leaf] = await ctx.app.db
    .select()
    .from(settlementLeaf)
    .where(
      and(
        eq(settlementLeaf.epoch, epoch),
        eq(settlementLeaf.kind, owner.kind),
        owner.kind === 0
          ? eq(settlementLeaf.account, owner.account)
          : eq(settlementLeaf.agentId, owner.agentId.toString()),
      ),
    );
  return leaf;
}

export async function earnerLeaf(
  ctx: Pick<Context, "app">,
  epoch: bigint,
  account: Address,
): Promise<EarnerLeaf | null> {
  const leaf = await storedLeaf(ctx, epoch, { kind: 0, account });
  if (!leaf) return null;
  return {
    epoch,
    cumulativeEarned: BigInt(leaf.cumulativeAmount),
    cumulativeVoteEligible: BigInt(leaf.cumulativeVoteEligible),
    proof: JSON.parse(leaf.proof) as Hex[],
  };
}

/** An agent's stakers' leaf at `epoch`, with its proof, if the epoch credited any. */
export async function stakersLeaf(
  ctx: Pick<Context, "app">,
  epoch: bigint,
  agentId: bigint,
): Promise<{ cumulativeAmount: bigint; proof: Hex[] } | null> {
  const leaf = await storedLeaf(ctx, epoch, { kind: 1, agentId });
  return leaf
    ? { cumulativeAmount: BigInt(leaf.cumulativeAmount), proof: JSON.parse(leaf.proof) as Hex[] }
    : null;
}

/**
 * The account's leaf in the latest live root, minus what it claimed: null while no root is
 * live; 0 for an account the root does not name.
 */
export async function claimable(
  ctx: Pick<Context, "app" | "reader">,
  account: Address,
  claimed: bigint,
): Promise<bigint | null> {
  const epoch = await latestLiveEpoch(ctx);
  if (epoch === null) return null;
  const leaf = await earnerLeaf(ctx, epoch, account);
  if (!leaf || leaf.cumulativeEarned <= claimed) return 0n;
  return leaf.cumulativeEarned - claimed;
}

/** The account's cumulative earnings at each epoch this service settled, oldest first. */
export async function earningsByEpoch(ctx: Pick<Context, "app">, account: Address) {
  const rows = await ctx.app.db
    .select({
      epoch: settlementLeaf.epoch,
      cumulative: settlementLeaf.cumulativeAmount,
      voteEligible: settlementLeaf.cumulativeVoteEligible,
    })
    .from(settlementLeaf)
    .where(and(eq(settlementLeaf.kind, 0), eq(settlementLeaf.account, account)))
    .orderBy(asc(settlementLeaf.epoch));
  let previous = 0n;
  return rows.map((r) => {
    const cumulative = BigInt(r.cumulative);
    const earned = cumulative - previous;
    previous = cumulative;
    return { epoch: r.epoch, cumulative, earned, voteEligible: BigInt(r.voteEligible) };
  });
}
