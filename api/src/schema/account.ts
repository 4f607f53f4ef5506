import * as t from "@tributary/indexer/schema";
import { type Column, gt } from "drizzle-orm";
import { builder } from "../builder.ts";
import { claimable } from "../settlement/claims.ts";
import { listRows } from "./common.ts";
import { Escrow } from "./escrow.ts";
import { sortBy } from "./keyset.ts";
import { childRows, listChildRows } from "./nested.ts";
import { Claim, listClaims, listRedemptions, Redemption } from "./payout.ts";
import { AccountRef, ContributionRef, ModelRef, NODE_DESCRIPTIONS, UnbondingRef } from "./refs.ts";
import { listUnbondings, StakePosition } from "./staking.ts";

/** The rows of `column` naming the account. */
const byAddress = (column: Column, a: { address: string }) => ({ column, key: a.address });

AccountRef.implement({
  description: NODE_DESCRIPTIONS.AccountRef,
  fields: (f) => ({
    address: f.field({
      type: "Address",
      description: "The address, checksummed.",
      resolve: (a) => a.address,
    }),
    earned: f.field({
      type: "TokenAmount",
      description:
        "Settled earnings proven on chain: attribution claims, proposal payouts, disputer rewards.",
      resolve: (a) => a.earned,
    }),
    claimed: f.field({
      type: "TokenAmount",
      description: "Σ claimed from settlement roots.",
      resolve: (a) => a.claimed,
    }),
    claimable: f.field({
      type: "TokenAmount",
      nullable: true,
      description:
        "Cumulative earnings in the latest live settlement root minus what was claimed (what `prepareClaim` would pay now). Null while no root is live.",
      resolve: (a, _, ctx) => claimable(ctx, a.address, a.claimed),
    }),
    staked: f.field({
      type: "TokenAmount",
      description: "Σ assets delegated to agents.",
      resolve: (a) => a.staked,
    }),
    unstaked: f.field({
      type: "TokenAmount",
      description: "Σ assets withdrawn from agents.",
      resolve: (a) => a.unstaked,
    }),
    slashed: f.field({
      type: "TokenAmount",
      description: "Value lost to slashes.",
      resolve: (a) => a.slashed,
    }),
    escrowDeposited: f.field({
      type: "TokenAmount",
      description: "Σ deposited into its escrow.",
      resolve: (a) => a.escrowDeposited,
    }),
    escrowSpent: f.field({
      type: "TokenAmount",
      description: "Σ redeemed from its escrow.",
      resolve: (a) => a.escrowSpent,
    }),
    tokenBalance: f.field({
      type: "TokenAmount",
      description: "Payment token balance.",
      resolve: async (a, _, ctx) =>
        (await childRows(ctx, t.tokenHolder, byAddress(t.tokenHolder.address, a), undefined, []))[0]
          ?.balance ?? 0n,
    }),
    votingPower: f.field({
      type: "TokenAmount",
      description: "Contribution-weighted governance votes delegated to it.",
      resolve: async (a, _, ctx) =>
        (
          await childRows(ctx, t.votesAccount, byAddress(t.votesAccount.address, a), undefined, [])
        )[0]?.votingPower ?? 0n,
    }),
    escrow: f.field({
      type: Escrow,
      nullable: true,
      description: "Its escrow as a payer (null when it never deposited).",
      resolve: async (a, _, ctx) =>
        (await childRows(ctx, t.escrow, byAddress(t.escrow.payer, a), undefined, []))[0] ?? null,
    }),
    models: f.connection({
      type: ModelRef,
      description: "Models and adapters it owns.",
      resolve: (a, args, ctx) =>
        listChildRows(
          ctx,
          args,
          t.model,
          byAddress(t.model.owner, a),
          undefined,
          sortBy("ASC", t.model.id),
        ),
    }),
    contributions: f.connection({
      type: ContributionRef,
      description: "Its Datanet contributions, newest first.",
      resolve: (a, args, ctx) =>
        listChildRows(
          ctx,
          args,
          t.contribution,
          byAddress(t.contribution.contributor, a),
          undefined,
          sortBy("DESC", t.contribution.id),
        ),
    }),
    stakePositions: f.connection({
      type: StakePosition,
      description: "Its active stake, per agent.",
      args: {
        includeEmpty: f.arg.boolean({ description: "Include positions with no shares left." }),
      },
      resolve: (a, args, ctx) =>
        listChildRows(
          ctx,
          args,
          t.stakePosition,
          byAddress(t.stakePosition.delegator, a),
          args.includeEmpty ? undefined : gt(t.stakePosition.shares, 0n),
          sortBy("ASC", t.stakePosition.agentId, t.stakePosition.delegator),
        ),
    }),
    unbondings: f.connection({
      type: UnbondingRef,
      description: "Its unbonding entries, newest first.",
      args: { pendingOnly: f.arg.boolean({ description: "Only those not withdrawn yet." }) },
      resolve: (a, args, ctx) => listUnbondings(ctx, args, byAddress(t.unbonding.delegator, a)),
    }),
    claims: f.connection({
      type: Claim,
      description: "Its attribution claims, newest first.",
      resolve: (a, args, ctx) => listClaims(ctx, args, a.address),
    }),
    redemptions: f.connection({
      type: Redemption,
      description: "Vouchers redeemed from its escrow, newest first.",
      resolve: (a, args, ctx) => listRedemptions(ctx, args, a.address),
    }),
  }),
});

builder.queryFields((f) => ({
  account: f.field({
    type: AccountRef,
    description: "Any address with its aggregates (zeros when the indexer never saw it).",
    args: {
      address: f.arg({ type: "Address", required: true, description: "The address (any case)." }),
    },
    resolve: (_, { address }) => address,
  }),
  accounts: f.connection({
    type: AccountRef,
    description: "Accounts the indexer has seen, by settled earnings, largest first.",
    resolve: (_, args, ctx) =>
      listRows(ctx, args, t.account, undefined, [
        ...sortBy("DESC", t.account.earned),
        ...sortBy("ASC", t.account.address),
      ]),
  }),
}));
