// Disputes against agents: the node, its lookup and `prepareOpenDispute`.
import { agentStakingAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { eq } from "drizzle-orm";
import { builder } from "../builder.ts";
import { ChainUnavailableError } from "../errors.ts";
import { action, call, one, PreparedAction, prepareOptions, viewer } from "./prepare.ts";
import { AccountRef, AgentRef, DisputeRef, NODE_DESCRIPTIONS } from "./refs.ts";

export const DisputeStatus = builder.enumType("DisputeStatus", {
  description: "State of a dispute.",
  values: {
    Open: { description: "Awaiting the arbiter." },
    Accepted: { description: "Upheld: the agent was slashed." },
    Rejected: { description: "Dismissed: the bond was forfeited." },
    Expired: { description: "Not resolved in time: the bond was returned." },
  } as const,
});

DisputeRef.implement({
  description: NODE_DESCRIPTIONS.DisputeRef,
  fields: (f) => ({
    disputeId: f.field({ type: "BigInt", description: "On-chain id.", resolve: (d) => d.id }),
    agent: f.field({
      type: AgentRef,
      description: "The agent disputed.",
      resolve: (d) => d.agentId.toString(),
    }),
    disputer: f.field({
      type: AccountRef,
      description: "Who opened it.",
      resolve: (d) => d.disputer,
    }),
    bond: f.field({ type: "TokenAmount", description: "Bond posted.", resolve: (d) => d.bond }),
    deadline: f.field({
      type: "DateTime",
      description: "Arbiter must resolve it by then.",
      resolve: (d) => d.deadline,
    }),
    evidenceHash: f.field({
      type: "Bytes32",
      description: "Hash of the evidence.",
      resolve: (d) => d.evidenceHash,
    }),
    evidenceURI: f.exposeString("evidenceURI", { description: "Where the evidence lives." }),
    status: f.field({ type: DisputeStatus, description: "State.", resolve: (d) => d.status }),
    slashBps: f.exposeInt("slashBps", {
      nullable: true,
      description: "Slash applied, in basis points.",
    }),
    disputerReward: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "Paid to the disputer.",
      resolve: (d) => d.disputerReward,
    }),
    resolvedAt: f.field({
      type: "DateTime",
      nullable: true,
      description: "When it was resolved.",
      resolve: (d) => d.resolvedAt,
    }),
    createdAt: f.field({
      type: "DateTime",
      description: "When it was opened.",
      resolve: (d) => d.createdAt,
    }),
  }),
});

builder.queryFields((f) => ({
  dispute: f.field({
    type: DisputeRef,
    nullable: true,
    description: "A dispute by on-chain id (null when unknown).",
    args: { disputeId: f.arg({ type: "BigInt", required: true, description: "On-chain id." }) },
    resolve: (_, { disputeId }) => disputeId.toString(),
  }),
}));

builder.mutationFields((f) => ({
  prepareOpenDispute: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description: "Open a bonded dispute against an agent (bond approval first if needed).",
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent." }),
      evidenceHash: f.arg({
        type: "Bytes32",
        required: true,
        description: "Hash of the evidence.",
      }),
      evidenceURI: f.arg.string({
        required: true,
        description: "Where the evidence lives.",
        validate: { minLength: 1, maxLength: 2000 },
      }),
    },
    resolve: async (_, args, ctx) => {
      await one(
        ctx.reader.db.select().from(t.agent).where(eq(t.agent.id, args.agentId)),
        "Agent",
        args.agentId,
      );
      const staking = ctx.chain.address("AgentStaking");
      const params = (await ctx.chain.publicClient
        .readContract({ address: staking, abi: agentStakingAbi, functionName: "params" })
        .catch((e: unknown) => {
          throw new ChainUnavailableError(e);
        })) as { disputeBond: bigint };
      return action(ctx, [
        ctx.chain.approvalIfNeeded(viewer(ctx), staking, params.disputeBond),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: staking,
          data: call(agentStakingAbi, "openDispute", [
            args.agentId,
            args.evidenceHash,
            args.evidenceURI,
          ]),
          description: `Open a dispute against agent ${args.agentId}`,
        }),
      ]);
    },
  }),
}));
