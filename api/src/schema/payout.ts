import { attributionSettlementAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { asc, eq } from "drizzle-orm";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { ChainUnavailableError, InvalidInputError, NotFoundError } from "../errors.ts";
import { earnerLeaf, earningsByEpoch, latestLiveEpoch, stakersLeaf } from "../settlement/claims.ts";
import { inChainOrder, listRows, OrderDirection } from "./common.ts";
import { type ConnectionArgs, sortBy } from "./keyset.ts";
import { childRows, listChildRows } from "./nested.ts";
import { action, call, one, PreparedAction, prepareOptions, viewer } from "./prepare.ts";
import { AccountRef, NODE_DESCRIPTIONS, SettlementRootRef } from "./refs.ts";

export const RootStatus = builder.enumType("RootStatus", {
  description: "State of a settlement root.",
  values: {
    Proposed: { description: "Posted; can be challenged or vetoed until `liveAt`." },
    Live: { description: "Past its challenge delay: claims may be made against it." },
    Vetoed: { description: "Vetoed during its challenge delay (or its challenge was upheld)." },
    Challenged: {
      description:
        "Frozen by a bonded challenge: never live until the veto role resolves it (upheld: vetoed; rejected: Proposed or Live again).",
    },
  } as const,
});

export const Claim = builder.objectRef<typeof t.claim.$inferSelect>("Claim").implement({
  description: "An attribution payout claimed against a live root.",
  fields: (f) => ({
    account: f.field({
      type: AccountRef,
      description: "Whose earnings.",
      resolve: (c) => c.account,
    }),
    recipient: f.field({
      type: "Address",
      description: "Where the tokens went.",
      resolve: (c) => c.recipient,
    }),
    amount: f.field({
      type: "TokenAmount",
      description: "Paid by this claim.",
      resolve: (c) => c.amount,
    }),
    cumulativeClaimed: f.field({
      type: "TokenAmount",
      description: "The account's total claimed after it.",
      resolve: (c) => c.cumulativeClaimed,
    }),
    blockNumber: f.field({
      type: "BigInt",
      description: "Block it was indexed in.",
      resolve: (c) => c.blockNumber,
    }),
    claimedAt: f.field({
      type: "DateTime",
      description: "Block time.",
      resolve: (c) => c.timestamp,
    }),
    transactionHash: f.field({
      type: "Bytes32",
      description: "Transaction.",
      resolve: (c) => c.transactionHash,
    }),
  }),
});

export const Redemption = builder
  .objectRef<typeof t.voucherRedemption.$inferSelect>("VoucherRedemption")
  .implement({
    description: "A settler redeeming a payer's signed voucher from escrow.",
    fields: (f) => ({
      payer: f.field({
        type: AccountRef,
        description: "Whose escrow paid.",
        resolve: (r) => r.payer,
      }),
      settler: f.field({
        type: "Address",
        description: "Who redeemed it.",
        resolve: (r) => r.settler,
      }),
      amount: f.field({
        type: "TokenAmount",
        description: "Redeemed by this call.",
        resolve: (r) => r.amount,
      }),
      cumulativeRedeemed: f.field({
        type: "TokenAmount",
        description: "Payer's total redeemed after it.",
        resolve: (r) => r.cumulativeRedeemed,
      }),
      redeemedAt: f.field({
        type: "DateTime",
        description: "Block time.",
        resolve: (r) => r.timestamp,
      }),
      transactionHash: f.field({
        type: "Bytes32",
        description: "Transaction.",
        resolve: (r) => r.transactionHash,
      }),
    }),
  });

export function listRedemptions(ctx: Context, args: ConnectionArgs, payer: string) {
  return listChildRows(
    ctx,
    args,
    t.voucherRedemption,
    { column: t.voucherRedemption.payer, key: payer },
    undefined,
    inChainOrder("DESC", t.voucherRedemption, t.voucherRedemption.id),
  );
}

export function listClaims(ctx: Context, args: ConnectionArgs, account: string) {
  return listChildRows(
    ctx,
    args,
    t.claim,
    { column: t.claim.account, key: account },
    undefined,
    inChainOrder("DESC", t.claim, t.claim.id),
  );
}

export const RootChallenge = builder
  .objectRef<typeof t.rootChallenge.$inferSelect>("RootChallenge")
  .implement({
    description: "A bonded challenge that froze a pending settlement root, and its resolution.",
    fields: (f) => ({
      epoch: f.field({ type: "BigInt", description: "The root's epoch.", resolve: (c) => c.epoch }),
      challenger: f.field({
        type: AccountRef,
        description: "Who challenged it.",
        resolve: (c) => c.challenger,
      }),
      bond: f.field({ type: "TokenAmount", description: "Bond locked.", resolve: (c) => c.bond }),
      reason: f.exposeString("reason", { description: "Why (free text or a URI)." }),
      upheld: f.field({
        type: "Boolean",
        nullable: true,
        description:
          "null while open; true: the root was vetoed and the bond returned; false: the bond went to the treasury.",
        resolve: (c) => c.upheld,
      }),
      resolver: f.field({
        type: "Address",
        nullable: true,
        description: "Who resolved it (the guardian or the timelock).",
        resolve: (c) => c.resolver,
      }),
      resolvedAt: f.field({
        type: "DateTime",
        nullable: true,
        description: "When it was resolved.",
        resolve: (c) => c.resolvedAt,
      }),
      challengedAt: f.field({
        type: "DateTime",
        description: "Block time.",
        resolve: (c) => c.timestamp,
      }),
      transactionHash: f.field({
        type: "Bytes32",
        description: "Transaction.",
        resolve: (c) => c.transactionHash,
      }),
    }),
  });

SettlementRootRef.implement({
  description: NODE_DESCRIPTIONS.SettlementRootRef,
  fields: (f) => ({
    epoch: f.field({ type: "BigInt", description: "Epoch number.", resolve: (r) => r.epoch }),
    root: f.field({
      type: "Bytes32",
      description:
        "Merkle root over settlement leaves (kind, account, agentId, cumulativeAmount, cumulativeVoteEligible); schema/settlement-leaf.md.",
      resolve: (r) => r.root,
    }),
    totalCumulative: f.field({
      type: "TokenAmount",
      description: "Σ cumulative earnings in the tree.",
      resolve: (r) => r.totalCumulative,
    }),
    dataHash: f.field({
      type: "Bytes32",
      description:
        "Merkle root of the epoch's receipt digests (a receipt's inclusion can be proven).",
      resolve: (r) => r.dataHash,
    }),
    redeemedAtProposal: f.field({
      type: "TokenAmount",
      description:
        "Σ redeemed when it was posted: the next root may exceed this root's total by at most what was redeemed since.",
      resolve: (r) => r.redeemedAtProposal,
    }),
    dataURI: f.exposeString("dataURI", { description: "Where those receipts are published." }),
    liveAt: f.field({
      type: "DateTime",
      description: "End of the challenge delay.",
      resolve: (r) => r.liveAt,
    }),
    status: f.field({
      type: RootStatus,
      description: "Proposed, Challenged, Live or Vetoed.",
      resolve: (r) => r.status,
    }),
    challenger: f.field({
      type: "Address",
      nullable: true,
      description:
        "Who challenged it: the open challenge's challenger, or the one whose challenge vetoed it (null: none, or the challenge was rejected).",
      resolve: (r) => r.challenger,
    }),
    challengeBond: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "The open challenge's bond.",
      resolve: (r) => r.challengeBond,
    }),
    challenges: f.field({
      type: [RootChallenge],
      description: "Every challenge it drew, oldest first.",
      resolve: (r, _, ctx) =>
        r.challengeCount === 0
          ? []
          : childRows(
              ctx,
              t.rootChallenge,
              { column: t.rootChallenge.epoch, key: r.epoch },
              undefined,
              [asc(t.rootChallenge.blockNumber), asc(t.rootChallenge.logIndex)],
            ),
    }),
    vetoer: f.field({
      type: "Address",
      nullable: true,
      description: "Who vetoed it.",
      resolve: (r) => r.vetoer,
    }),
    postedAt: f.field({
      type: "DateTime",
      description: "When it was posted.",
      resolve: (r) => r.createdAt,
    }),
  }),
});

builder.queryFields((f) => ({
  settlementRoots: f.connection({
    type: SettlementRootRef,
    description: "Settlement roots by epoch, newest first by default.",
    args: {
      status: f.arg({ type: RootStatus, description: "Only in this state." }),
      direction: f.arg({ type: OrderDirection, description: "By epoch; DESC by default." }),
    },
    resolve: (_, args, ctx) =>
      listRows(
        ctx,
        args,
        t.settlementRoot,
        args.status ? eq(t.settlementRoot.status, args.status) : undefined,
        sortBy(args.direction ?? "DESC", t.settlementRoot.epoch),
      ),
  }),
  settlementRoot: f.field({
    type: SettlementRootRef,
    nullable: true,
    description: "A settlement root by epoch (null when unknown).",
    args: { epoch: f.arg({ type: "BigInt", required: true, description: "Epoch number." }) },
    resolve: (_, { epoch }) => epoch.toString(),
  }),
}));

builder.mutationFields((f) => ({
  prepareChallengeRoot: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Freeze a pending settlement root with the challenge bond (approval first if needed) until the guardian or governance resolves it.",
    args: {
      epoch: f.arg({ type: "BigInt", required: true, description: "The pending root's epoch." }),
      reason: f.arg.string({
        required: true,
        description: "Why (free text or a URI to evidence).",
        validate: { maxLength: 2000 },
      }),
    },
    resolve: async (_, args, ctx) => {
      const root = await one(
        ctx.reader.db.select().from(t.settlementRoot).where(eq(t.settlementRoot.epoch, args.epoch)),
        "SettlementRoot",
        args.epoch,
      );
      if (root.status !== "Proposed")
        throw new InvalidInputError(
          `The root of epoch ${args.epoch} is ${root.status}, not Proposed`,
          "epoch",
        );
      const settlement = ctx.chain.address("AttributionSettlement");
      const params = (await ctx.chain.publicClient
        .readContract({
          address: settlement,
          abi: attributionSettlementAbi,
          functionName: "params",
        })
        .catch((e: unknown) => {
          throw new ChainUnavailableError(e);
        })) as { challengeBond: bigint };
      return action(ctx, [
        ctx.chain.approvalIfNeeded(viewer(ctx), settlement, params.challengeBond),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: settlement,
          data: call(attributionSettlementAbi, "challengeRoot", [args.epoch, args.reason]),
          description: `Challenge the root of epoch ${args.epoch}`,
        }),
      ]);
    },
  }),
  prepareMintVotes: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Mint the ContributionVotes your claims recorded (anyone may mint for anyone; claims never mint).",
    args: {
      account: f.arg({ type: "Address", description: "Whose votes (yours by default)." }),
    },
    resolve: (_, args, ctx) =>
      action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("AttributionSettlement"),
          data: call(attributionSettlementAbi, "mintVotes", [args.account ?? viewer(ctx)]),
          description: `Mint the votes owed to ${args.account ?? viewer(ctx)}`,
        }),
      ]),
  }),
  prepareClaim: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Claim attribution earnings against the latest live root. The leaf and its proof come from the settlement service's records; pass them only to claim with a leaf of your own (all three together).",
    args: {
      account: f.arg({
        type: "Address",
        description: "Whose earnings (yours by default; anyone may claim for anyone).",
      }),
      cumulativeEarned: f.arg({
        type: "TokenAmount",
        description: "The leaf's cumulative earnings (default: the served leaf).",
      }),
      cumulativeVoteEligible: f.arg({
        type: "TokenAmount",
        description:
          "The leaf's vote-eligible cumulative earnings (data-contributor and adapter-builder earnings; see schema/settlement-leaf.md).",
      }),
      proof: f.arg({
        type: ["Bytes32"],
        description: "Merkle proof (≤ 64 hashes).",
        validate: { maxLength: 64 },
      }),
    },
    resolve: async (_, args, ctx) => {
      const account = args.account ?? viewer(ctx);
      const given = [args.cumulativeEarned, args.cumulativeVoteEligible, args.proof];
      if (given.some((v) => v != null) && given.some((v) => v == null))
        throw new InvalidInputError(
          "Give cumulativeEarned, cumulativeVoteEligible and proof together, or none of them",
          "cumulativeEarned",
        );
      let leaf: {
        cumulativeEarned: bigint;
        cumulativeVoteEligible: bigint;
        proof: readonly string[];
      };
      if (args.cumulativeEarned != null && args.cumulativeVoteEligible != null && args.proof)
        leaf = {
          cumulativeEarned: args.cumulativeEarned,
          cumulativeVoteEligible: args.cumulativeVoteEligible,
          proof: args.proof,
        };
      else {
        const epoch = await latestLiveEpoch(ctx);
        const served = epoch === null ? null : await earnerLeaf(ctx, epoch, account);
        if (!served) throw new NotFoundError("settlement leaf", account);
        leaf = served;
      }
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("AttributionSettlement"),
          data: call(attributionSettlementAbi, "claim", [
            account,
            leaf.cumulativeEarned,
            leaf.cumulativeVoteEligible,
            leaf.proof,
          ]),
          description: `Claim ${leaf.cumulativeEarned} cumulative for ${account}`,
        }),
      ]);
    },
  }),
  prepareClaimStakerRewards: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Move an agent's stakers' share of the latest live root into its AgentStaking rewards (`claimStakerRewards`; anyone may call), with the leaf and proof the settlement service stored. The rewards then vest into the agent's active stake over the protocol's `rewardVestingPeriod` (see `Agent.unvestedRewards`), paying the delegators staked meanwhile, who collect their part by unbonding. NotFoundError while no live root credits the agent's stakers.",
    args: { agentId: f.arg({ type: "BigInt", required: true, description: "The agent." }) },
    resolve: async (_, args, ctx) => {
      const epoch = await latestLiveEpoch(ctx);
      const leaf = epoch === null ? null : await stakersLeaf(ctx, epoch, args.agentId);
      if (!leaf) throw new NotFoundError("stakers settlement leaf", args.agentId.toString());
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("AttributionSettlement"),
          data: call(attributionSettlementAbi, "claimStakerRewards", [
            args.agentId,
            leaf.cumulativeAmount,
            leaf.proof,
          ]),
          description: `Move agent ${args.agentId}'s stakers' rewards (${leaf.cumulativeAmount} cumulative) into AgentStaking`,
        }),
      ]);
    },
  }),
}));

const EpochEarning = builder
  .objectRef<Awaited<ReturnType<typeof earningsByEpoch>>[number]>("EpochEarning")
  .implement({
    description: "An account's settled earnings at one settlement epoch.",
    fields: (f) => ({
      epoch: f.field({ type: "BigInt", description: "The epoch.", resolve: (e) => e.epoch }),
      cumulativeEarned: f.field({
        type: "TokenAmount",
        description: "Its leaf: everything earned up to and including this epoch.",
        resolve: (e) => e.cumulative,
      }),
      earned: f.field({
        type: "TokenAmount",
        description: "Earned in this epoch (this leaf minus the previous one).",
        resolve: (e) => e.earned,
      }),
      cumulativeVoteEligible: f.field({
        type: "TokenAmount",
        description: "The part of `cumulativeEarned` that earns contribution votes.",
        resolve: (e) => e.voteEligible,
      }),
    }),
  });

builder.objectFields(AccountRef, (f) => ({
  earningsByEpoch: f.field({
    type: [EpochEarning],
    description:
      "Settled earnings per settlement epoch, oldest first (epochs whose roots are not live yet included: compare with `settlementRoots`). Claims pay cumulatively, so everything above `claimed` is unclaimed.",
    resolve: (a, _, ctx) => earningsByEpoch(ctx, a.address),
  }),
}));
