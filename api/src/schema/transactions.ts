// Wallet actions: the API prepares unsigned transactions (approval first when an allowance is
// short) and EIP-712 payloads; the user's wallet signs; `relayTransaction` may submit them.
// The API holds no user keys.

import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { contributionCommitment, randomSalt, registrationCommitment } from "@tributary/contracts";
import {
  agentStakingAbi,
  attributionSettlementAbi,
  datanetRegistryAbi,
  modelRegistryAbi,
  proposalMarketAbi,
} from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { eq } from "drizzle-orm";
import { type Abi, type Address, encodeFunctionData, zeroHash } from "viem";
import { builder } from "../builder.ts";
import type { UnsignedTransaction } from "../chain/index.ts";
import type { Context } from "../context.ts";
import {
  AuthenticationError,
  ChainUnavailableError,
  InvalidInputError,
  NotFoundError,
} from "../errors.ts";
import { authErrors } from "./errors.ts";
import { JSONScalar } from "./json.ts";

const PreparedTransaction = builder
  .objectRef<UnsignedTransaction>("PreparedTransaction")
  .implement({
    description:
      "An unsigned transaction for the wallet to sign and send (or sign and pass to `relayTransaction`).",
    fields: (f) => ({
      from: f.field({
        type: "Address",
        description: "The account that must sign it.",
        resolve: (tx) => tx.from,
      }),
      to: f.field({ type: "Address", description: "Contract called.", resolve: (tx) => tx.to }),
      data: f.field({
        type: "Bytes",
        description: "ABI-encoded calldata.",
        resolve: (tx) => tx.data,
      }),
      value: f.field({
        type: "TokenAmount",
        description: "Native value (always 0 for the protocol).",
        resolve: (tx) => tx.value,
      }),
      chainId: f.exposeInt("chainId", { description: "Chain to send it on." }),
      gasEstimate: f.field({
        type: "BigInt",
        nullable: true,
        description:
          "Gas estimate now; null when the call would revert until an earlier step (an approval) is mined.",
        resolve: (tx) => tx.gas,
      }),
      description: f.exposeString("description", { description: "What it does, for people." }),
    }),
  });

export const PreparedAction = builder
  .objectRef<{ transactions: UnsignedTransaction[] }>("PreparedAction")
  .implement({
    description:
      "Transactions to send in order (an ERC-20 approval first when the allowance is short).",
    fields: (f) => ({
      transactions: f.field({
        type: [PreparedTransaction],
        description: "In order.",
        resolve: (a) => a.transactions,
      }),
    }),
  });

export const TypedData = builder
  .objectRef<{ domain: object; types: object; primaryType: string; message: object }>("TypedData")
  .implement({
    description: "EIP-712 typed data for `eth_signTypedData_v4` (integers as decimal strings).",
    fields: (f) => ({
      domain: f.field({
        type: JSONScalar,
        description: "EIP-712 domain.",
        resolve: (d) => d.domain,
      }),
      types: f.field({
        type: JSONScalar,
        description: "Type definitions.",
        resolve: (d) => d.types,
      }),
      primaryType: f.exposeString("primaryType", { description: "The signed struct." }),
      message: f.field({
        type: JSONScalar,
        description: "The struct's values.",
        resolve: (d) => d.message,
      }),
    }),
  });

export const call = (abi: Abi, functionName: string, args: readonly unknown[]) =>
  encodeFunctionData({ abi, functionName, args } as never);

export async function action(
  _ctx: Context,
  steps: (UnsignedTransaction | null | Promise<UnsignedTransaction | null>)[],
) {
  const transactions = (await Promise.all(steps)).filter(
    (s): s is UnsignedTransaction => s !== null,
  );
  return { transactions };
}

/** The signing wallet: the caller (every prepare field requires a signed-in caller). */
const viewer = (ctx: Context): Address => {
  if (!ctx.viewer) throw new AuthenticationError();
  return ctx.viewer.address;
};

async function one<T>(rows: Promise<T[]>, entity: string, key: bigint): Promise<T> {
  const [row] = await rows;
  if (!row) throw new NotFoundError(entity, key.toString());
  return row;
}

const prepareErrors = [NotFoundError, InvalidInputError, ChainUnavailableError, ...authErrors];
const prepareOptions = {
  authScopes: { scope: "PREPARE" as const },
  errors: { types: prepareErrors },
};

const AdapterInput = builder.inputType("RegisterAdapterInput", {
  description: "A LoRA adapter to register (content-addressed by the sha256 of its files).",
  fields: (f) => ({
    baseModelId: f.field({
      type: "BigInt",
      required: true,
      description: "Base model it applies to.",
    }),
    name: f.string({
      required: true,
      description: "Display name (1–100 characters).",
      validate: { minLength: 1, maxLength: 100 },
    }),
    contentHash: f.field({
      type: "Bytes32",
      required: true,
      description: "sha256 of its canonical files.",
    }),
    uri: f.string({
      required: true,
      description: "Where its files can be fetched.",
      validate: { minLength: 1, maxLength: 2000 },
    }),
    rank: f.int({
      required: true,
      description: "LoRA rank (1–65535).",
      validate: { min: 1, max: 65535 },
    }),
    pricePerCall: f.field({ type: "TokenAmount", required: true, description: "Fee per call." }),
    pricePer1kTokens: f.field({
      type: "TokenAmount",
      required: true,
      description: "Fee per 1,000 tokens.",
    }),
    datanetIds: f.field({
      type: ["BigInt"],
      required: true,
      description: "Datanets it was trained on (≤ 32).",
      validate: { maxLength: 32 },
    }),
    trainingManifestHash: f.field({
      type: "Bytes32",
      description: "Hash of the training manifest.",
    }),
    supersedes: f.field({ type: "BigInt", description: "An adapter of yours this one replaces." }),
  }),
});

builder.mutationFields((f) => ({
  prepareDelegate: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Stake: delegate `amount` to an agent (approval first if needed). Errors: NotFoundError for an unknown agent.",
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent." }),
      amount: f.arg({ type: "TokenAmount", required: true, description: "Assets to delegate." }),
    },
    resolve: async (_, { agentId, amount }, ctx) => {
      await one(
        ctx.reader.db.select().from(t.agent).where(eq(t.agent.id, agentId)),
        "Agent",
        agentId,
      );
      const staking = ctx.chain.address("AgentStaking");
      return action(ctx, [
        ctx.chain.approvalIfNeeded(viewer(ctx), staking, amount),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: staking,
          data: call(agentStakingAbi, "delegate", [agentId, amount]),
          description: `Delegate ${amount} to agent ${agentId}`,
        }),
      ]);
    },
  }),
  prepareUnbond: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description: "Start unbonding `shares` of your stake in an agent (slashable until released).",
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent." }),
      shares: f.arg({ type: "BigInt", required: true, description: "Active shares to unbond." }),
    },
    resolve: (_, { agentId, shares }, ctx) =>
      action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("AgentStaking"),
          data: call(agentStakingAbi, "unbond", [agentId, shares]),
          description: `Unbond ${shares} shares from agent ${agentId}`,
        }),
      ]),
  }),
  prepareWithdrawStake: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Withdraw a released unbonding entry. Errors: NotFoundError; ForbiddenError when it is not yours.",
    args: {
      unbondingId: f.arg({ type: "BigInt", required: true, description: "The unbonding entry." }),
    },
    resolve: async (_, { unbondingId }, ctx) => {
      const entry = await one(
        ctx.reader.db.select().from(t.unbonding).where(eq(t.unbonding.id, unbondingId)),
        "Unbonding",
        unbondingId,
      );
      if (entry.delegator !== viewer(ctx))
        throw new ForbiddenError("Only the delegator can withdraw this entry");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("AgentStaking"),
          data: call(agentStakingAbi, "withdraw", [unbondingId]),
          description: `Withdraw unbonding ${unbondingId}`,
        }),
      ]);
    },
  }),
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
        .catch((e: Error) => {
          throw new ChainUnavailableError(e.message);
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
  prepareBackProposal: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description: "Back a market proposal with escrowed tokens (approval first if needed).",
    args: {
      proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }),
      amount: f.arg({ type: "TokenAmount", required: true, description: "Amount to escrow." }),
    },
    resolve: async (_, { proposalId, amount }, ctx) => {
      const proposal = await one(
        ctx.reader.db.select().from(t.marketProposal).where(eq(t.marketProposal.id, proposalId)),
        "Proposal",
        proposalId,
      );
      if (proposal.status !== "Open")
        throw new InvalidInputError(`Proposal ${proposalId} is ${proposal.status}`, "proposalId");
      const market = ctx.chain.address("ProposalMarket");
      return action(ctx, [
        ctx.chain.approvalIfNeeded(viewer(ctx), market, amount),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: market,
          data: call(proposalMarketAbi, "back", [proposalId, amount]),
          description: `Back proposal ${proposalId} with ${amount}`,
        }),
      ]);
    },
  }),
  prepareVoteProposal: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description: "Vote for or against a market proposal with your contribution votes.",
    args: {
      proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }),
      support: f.arg.boolean({ required: true, description: "True for, false against." }),
    },
    resolve: (_, { proposalId, support }, ctx) =>
      action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("ProposalMarket"),
          data: call(proposalMarketAbi, "vote", [proposalId, support]),
          description: `Vote ${support ? "for" : "against"} proposal ${proposalId}`,
        }),
      ]),
  }),
  prepareFulfilProposal: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Fulfil a proposal by linking an adapter you own. Errors: ForbiddenError when the adapter is not yours.",
    args: {
      proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }),
      adapterId: f.arg({ type: "BigInt", required: true, description: "Your registered adapter." }),
    },
    resolve: async (_, { proposalId, adapterId }, ctx) => {
      const adapter = await one(
        ctx.reader.db.select().from(t.model).where(eq(t.model.id, adapterId)),
        "Model",
        adapterId,
      );
      if (adapter.owner !== viewer(ctx))
        throw new ForbiddenError("Only the adapter's owner can fulfil with it");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("ProposalMarket"),
          data: call(proposalMarketAbi, "fulfil", [proposalId, adapterId]),
          description: `Fulfil proposal ${proposalId} with adapter ${adapterId}`,
        }),
      ]);
    },
  }),
  prepareRegisterAdapter: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Register a LoRA adapter (an ERC-721 minted to you). Two transactions, sent in order and mined in different blocks: a commitment (it hides the content hash and binds you, so nobody can front-run the registration), then the registration that reveals it.",
    args: { input: f.arg({ type: AdapterInput, required: true, description: "The adapter." }) },
    resolve: (_, { input }, ctx) => {
      const salt = randomSalt();
      const registry = ctx.chain.address("ModelRegistry");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: registry,
          data: call(modelRegistryAbi, "commitRegistration", [
            registrationCommitment(input.contentHash, viewer(ctx), salt),
          ]),
          description: `Commit to registering adapter "${input.name}"`,
        }),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: registry,
          data: call(modelRegistryAbi, "registerAdapter", [
            {
              baseModelId: input.baseModelId,
              name: input.name,
              contentHash: input.contentHash,
              uri: input.uri,
              rank: input.rank,
              pricePerCall: input.pricePerCall,
              pricePer1kTokens: input.pricePer1kTokens,
              datanetIds: input.datanetIds,
              trainingManifestHash: input.trainingManifestHash ?? zeroHash,
              supersedes: input.supersedes ?? 0n,
            },
            salt,
          ]),
          description: `Register adapter "${input.name}"`,
        }),
      ]);
    },
  }),
  prepareUpdateAdapter: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Change an adapter's prices or URI, or deprecate it. Errors: ForbiddenError when it is not yours.",
    args: {
      adapterId: f.arg({ type: "BigInt", required: true, description: "Your adapter." }),
      pricePerCall: f.arg({
        type: "TokenAmount",
        description: "New fee per call (with pricePer1kTokens).",
      }),
      pricePer1kTokens: f.arg({
        type: "TokenAmount",
        description: "New fee per 1,000 tokens (with pricePerCall).",
      }),
      uri: f.arg.string({ description: "New URI.", validate: { minLength: 1, maxLength: 2000 } }),
      deprecate: f.arg.boolean({ description: "Deprecate it." }),
    },
    resolve: async (_, args, ctx) => {
      const adapter = await one(
        ctx.reader.db.select().from(t.model).where(eq(t.model.id, args.adapterId)),
        "Model",
        args.adapterId,
      );
      if (adapter.owner !== viewer(ctx))
        throw new ForbiddenError("Only the adapter's owner can update it");
      const registry = ctx.chain.address("ModelRegistry");
      const steps: Promise<UnsignedTransaction>[] = [];
      if ((args.pricePerCall == null) !== (args.pricePer1kTokens == null)) {
        throw new InvalidInputError("Give both pricePerCall and pricePer1kTokens", "pricePerCall");
      }
      if (args.pricePerCall != null && args.pricePer1kTokens != null) {
        steps.push(
          ctx.chain.prepare({
            from: viewer(ctx),
            to: registry,
            data: call(modelRegistryAbi, "setPrices", [
              args.adapterId,
              args.pricePerCall,
              args.pricePer1kTokens,
            ]),
            description: "Set prices",
          }),
        );
      }
      if (args.uri)
        steps.push(
          ctx.chain.prepare({
            from: viewer(ctx),
            to: registry,
            data: call(modelRegistryAbi, "setURI", [args.adapterId, args.uri]),
            description: "Set URI",
          }),
        );
      if (args.deprecate)
        steps.push(
          ctx.chain.prepare({
            from: viewer(ctx),
            to: registry,
            data: call(modelRegistryAbi, "deprecate", [args.adapterId]),
            description: "Deprecate",
          }),
        );
      if (steps.length === 0) throw new InvalidInputError("Nothing to change", "adapterId");
      return action(ctx, steps);
    },
  }),
  prepareContribute: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Contribute content to a Datanet, posting its bond (approval first if needed). Then two transactions, sent in order and mined in different blocks: a commitment (it hides the content hash and binds you, so nobody can front-run the contribution), then the contribution that reveals it, which refuses a bond above the Datanet's current one.",
    args: {
      datanetId: f.arg({ type: "BigInt", required: true, description: "The Datanet." }),
      contentHash: f.arg({ type: "Bytes32", required: true, description: "Hash of the content." }),
      uri: f.arg.string({
        required: true,
        description: "Where the content lives.",
        validate: { minLength: 1, maxLength: 2000 },
      }),
    },
    resolve: async (_, args, ctx) => {
      const datanet = await one(
        ctx.reader.db.select().from(t.datanet).where(eq(t.datanet.id, args.datanetId)),
        "Datanet",
        args.datanetId,
      );
      const registry = ctx.chain.address("DatanetRegistry");
      const salt = randomSalt();
      return action(ctx, [
        ctx.chain.approvalIfNeeded(viewer(ctx), registry, datanet.contributionBond),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: registry,
          data: call(datanetRegistryAbi, "commitContent", [
            contributionCommitment(args.datanetId, args.contentHash, viewer(ctx), salt),
          ]),
          description: `Commit to a contribution to Datanet ${args.datanetId}`,
        }),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: registry,
          data: call(datanetRegistryAbi, "contribute", [
            args.datanetId,
            args.contentHash,
            args.uri,
            datanet.contributionBond,
            salt,
          ]),
          description: `Contribute to Datanet ${args.datanetId}`,
        }),
      ]);
    },
  }),
  prepareDepositEscrow: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description: "Deposit into your payer escrow (approval first if needed).",
    args: { amount: f.arg({ type: "TokenAmount", required: true, description: "Amount." }) },
    resolve: (_, { amount }, ctx) => {
      const settlement = ctx.chain.address("AttributionSettlement");
      return action(ctx, [
        ctx.chain.approvalIfNeeded(viewer(ctx), settlement, amount),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: settlement,
          data: call(attributionSettlementAbi, "deposit", [amount]),
          description: `Deposit ${amount} into escrow`,
        }),
      ]);
    },
  }),
  prepareWithdrawEscrow: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Request a withdrawal from your escrow (`execute: true` executes a matured request instead).",
    args: {
      amount: f.arg({
        type: "TokenAmount",
        description: "Amount to request (not needed to execute).",
      }),
      execute: f.arg.boolean({ description: "Execute the pending request." }),
    },
    resolve: (_, { amount, execute }, ctx) => {
      const settlement = ctx.chain.address("AttributionSettlement");
      if (execute) {
        return action(ctx, [
          ctx.chain.prepare({
            from: viewer(ctx),
            to: settlement,
            data: call(attributionSettlementAbi, "executeWithdrawal", []),
            description: "Execute escrow withdrawal",
          }),
        ]);
      }
      if (amount == null)
        throw new InvalidInputError("amount is required to request a withdrawal", "amount");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: settlement,
          data: call(attributionSettlementAbi, "requestWithdrawal", [amount]),
          description: `Request withdrawal of ${amount}`,
        }),
      ]);
    },
  }),
  prepareVoucher: f.field({
    type: TypedData,
    ...prepareOptions,
    description:
      "EIP-712 voucher for your escrow: a cumulative spending cap a settler may redeem up to, until `expiry`.",
    args: {
      cumulativeAmount: f.arg({
        type: "TokenAmount",
        required: true,
        description: "Total the settler may have redeemed, ever.",
      }),
      expiry: f.arg({
        type: "DateTime",
        required: true,
        description: "The voucher is void after this.",
      }),
    },
    resolve: (_, { cumulativeAmount, expiry }, ctx) => ({
      domain: {
        name: "Tributary Settlement",
        version: "1",
        chainId: ctx.chain.chainId,
        verifyingContract: ctx.chain.address("AttributionSettlement"),
      },
      types: {
        Voucher: [
          { name: "payer", type: "address" },
          { name: "cumulativeAmount", type: "uint256" },
          { name: "expiry", type: "uint64" },
        ],
      },
      primaryType: "Voucher",
      message: {
        payer: viewer(ctx),
        cumulativeAmount: cumulativeAmount.toString(),
        expiry: Math.floor(expiry.getTime() / 1000).toString(),
      },
    }),
  }),
  prepareClaim: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Claim attribution earnings against the latest live root. Until the settlement job serves proofs, the caller supplies the leaf's cumulative amount and its Merkle proof.",
    args: {
      account: f.arg({
        type: "Address",
        description: "Whose earnings (yours by default; anyone may claim for anyone).",
      }),
      cumulativeEarned: f.arg({
        type: "TokenAmount",
        required: true,
        description: "The leaf's cumulative earnings.",
      }),
      proof: f.arg({
        type: ["Bytes32"],
        required: true,
        description: "Merkle proof (≤ 64 hashes).",
        validate: { maxLength: 64 },
      }),
    },
    resolve: (_, args, ctx) =>
      action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("AttributionSettlement"),
          data: call(attributionSettlementAbi, "claim", [
            args.account ?? viewer(ctx),
            args.cumulativeEarned,
            args.proof,
          ]),
          description: `Claim for ${args.account ?? viewer(ctx)}`,
        }),
      ]),
  }),
}));
