// Disputes against agents: the node, its lookup, `prepareOpenDispute` and
// `prepareOpenDisputeWithReceipt` (a stored receipt the caller can read as evidence).
import { agentStakingAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { builder } from "../builder.ts";
import { ChainUnavailableError, NotFoundError } from "../errors.ts";
import { action, call, one, PreparedAction, prepareOptions, viewer } from "./prepare.ts";
import { visibleCall } from "./receipts.ts";
import { AccountRef, AgentRef, DisputeRef, NODE_DESCRIPTIONS } from "./refs.ts";

export const DisputeStatus = builder.enumType("DisputeStatus", {
  description: "State of a dispute.",
  values: {
    Open: { description: "Awaiting the arbiter." },
    Accepted: { description: "Upheld: the agent was slashed." },
    Rejected: { description: "Dismissed: the bond was forfeited." },
    Expired: { description: "Not resolved in time: the bond was returned." },
    Drawn: { description: "Closed by the arbiter without a slash: the bond was returned." },
  } as const,
});

/** AgentStaking.ReceiptFault, in the contract's order. */
export const RECEIPT_FAULTS = [
  "Overcharge",
  "WrongSpec",
  "MissingAttribution",
  "FalseCitation",
  "UsageMismatch",
  "Other",
] as const;

export const ReceiptFault = builder.enumType("ReceiptFault", {
  description: "The fault a receipt dispute claims (the arbiter judges it).",
  values: {
    Overcharge: { description: "The price exceeds what the spec's prices and the usage give." },
    WrongSpec: { description: "The call did not run the spec the receipt names." },
    MissingAttribution: { description: "Work used by the call is missing from the lists." },
    FalseCitation: { description: "A citation does not support the answer." },
    UsageMismatch: { description: "The token counts disagree with the pool's usage record." },
    Other: { description: "Anything else (explain in the evidence)." },
  } as const,
});

const ReceiptEvidence = builder
  .objectRef<{
    digest: Hex;
    signer: Address;
    fault: string;
    requestId: Hex;
    issuedAt: bigint;
  }>("ReceiptEvidence")
  .implement({
    description: "A receipt offered as a dispute's evidence, checked on chain.",
    fields: (f) => ({
      digest: f.field({
        type: "Bytes32",
        description: "The receipt's EIP-712 digest.",
        resolve: (r) => r.digest,
      }),
      signer: f.field({
        type: "Address",
        description: "Its signer (authorized for the agent at its time).",
        resolve: (r) => r.signer,
      }),
      fault: f.field({
        type: ReceiptFault,
        description: "The fault claimed.",
        resolve: (r) => r.fault as never,
      }),
      requestId: f.field({
        type: "Bytes32",
        description: "The receipt's request id (keccak256 of the caller's).",
        resolve: (r) => r.requestId,
      }),
      issuedAt: f.field({
        type: "DateTime",
        description: "When the receipt was issued.",
        resolve: (r) => r.issuedAt,
      }),
    }),
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
    selfBondSnapshot: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "The operator's self-bond when it opened (slashed first).",
      resolve: (d) => d.selfBondSnapshot,
    }),
    delegatedSnapshot: f.field({
      type: "TokenAmount",
      nullable: true,
      description:
        "Delegated stake (active + unbonding) when it opened; the slash cap applies to both snapshots.",
      resolve: (d) => d.delegatedSnapshot,
    }),
    selfBondSlashed: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "What an accepted dispute took from the self-bond.",
      resolve: (d) => d.selfBondSlashed,
    }),
    bondReturned: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "Bond returned (expired or drawn).",
      resolve: (d) => d.bondReturned,
    }),
    receipt: f.field({
      type: ReceiptEvidence,
      nullable: true,
      description: "The receipt it was opened with (null for a plain dispute).",
      resolve: (d) =>
        d.receiptDigest && d.receiptSigner && d.receiptRequestId && d.receiptIssuedAt != null
          ? {
              digest: d.receiptDigest,
              signer: d.receiptSigner as Address,
              fault: d.receiptFault ?? "Other",
              requestId: d.receiptRequestId,
              issuedAt: d.receiptIssuedAt,
            }
          : null,
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
  prepareOpenDisputeWithReceipt: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Open a bonded dispute whose evidence is a stored receipt the caller can read (its payer or the agent's operator): prepares `AgentStaking.openDisputeWithReceipt(receipt, signature, lists, fault, evidenceURI)` with the receipt's message, signature and lists, bond approval first if needed. The contract checks the lists against the receipt's hashes and the signer against the agent's signer history at the receipt's time. Errors: NotFoundError when there is no such receipt for the caller.",
    args: {
      payer: f.arg({ type: "Address", required: true, description: "The receipt's payer." }),
      requestId: f.arg.string({
        required: true,
        description: "The payer's request id.",
        validate: { minLength: 1, maxLength: 200 },
      }),
      fault: f.arg({ type: ReceiptFault, required: true, description: "The fault claimed." }),
      evidenceURI: f.arg.string({
        required: true,
        description: "Where the argument for the fault lives.",
        validate: { maxLength: 2000 },
      }),
    },
    resolve: async (_, args, ctx) => {
      const row = await visibleCall(ctx, args.payer as Address, args.requestId);
      if (!row) throw new NotFoundError("Receipt", `${args.payer}/${args.requestId}`);
      const stored = row.receipt as unknown as StoredReceipt;
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
          data: call(agentStakingAbi, "openDisputeWithReceipt", [
            receiptTuple(stored.message),
            stored.signature,
            listsTuple(stored.lists),
            RECEIPT_FAULTS.indexOf(args.fault as (typeof RECEIPT_FAULTS)[number]),
            args.evidenceURI,
          ]),
          description: `Dispute receipt ${args.requestId} of agent ${stored.message.agentId}`,
        }),
      ]);
    },
  }),
}));

/** A receipt as the ledger stores it (JSON-safe: integers as strings). */
interface StoredReceipt {
  message: Record<string, string | number>;
  signature: Hex;
  lists: {
    adapters: Record<string, string | number>[];
    retrieval: Record<string, string | number | boolean>[];
    citations: Record<string, string | number>[];
    spans: Record<string, string | number>[];
  };
}

const big = (v: unknown) => BigInt(v as string);
const num = (v: unknown) => Number(v);

/** The stored receipt's message as AgentStaking.Receipt. */
export function receiptTuple(m: StoredReceipt["message"]) {
  return {
    requestId: m.requestId as Hex,
    agentId: big(m.agentId),
    specHash: m.specHash as Hex,
    payer: m.payer as Address,
    price: big(m.price),
    tokensIn: num(m.tokensIn),
    tokensOut: num(m.tokensOut),
    policyVersion: num(m.policyVersion),
    issuedAt: big(m.issuedAt),
    adaptersHash: m.adaptersHash as Hex,
    retrievalHash: m.retrievalHash as Hex,
    citationsHash: m.citationsHash as Hex,
    spansHash: m.spansHash as Hex,
    usageDigest: m.usageDigest as Hex,
  };
}

/** The stored receipt's lists as AgentStaking.ReceiptLists. */
export function listsTuple(l: StoredReceipt["lists"]) {
  return {
    adapters: l.adapters.map((a) => ({
      adapterId: big(a.adapterId),
      weightPpm: num(a.weightPpm),
      owner: a.owner as Address,
      trainingManifestHash: a.trainingManifestHash as Hex,
    })),
    retrieval: l.retrieval.map((r) => ({
      chunkHash: r.chunkHash as Hex,
      contributionId: big(r.contributionId),
      contributor: r.contributor as Address,
      scorePpm: num(r.scorePpm),
      cited: Boolean(r.cited),
    })),
    citations: l.citations.map((c) => ({
      chunkHash: c.chunkHash as Hex,
      contributionId: big(c.contributionId),
      contributor: c.contributor as Address,
      start: num(c.start),
      end: num(c.end),
    })),
    spans: l.spans.map((x) => ({
      contributionId: big(x.contributionId),
      contributor: x.contributor as Address,
      start: num(x.start),
      end: num(x.end),
    })),
  };
}
