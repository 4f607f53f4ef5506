// Composing agents: specs checked against the JSON Schema and the chain, stored by canonical
// hash, with a receipt signer per agent and the prepared AgentStaking transaction; what each
// agent's spec holds, and which agents use an adapter or a Datanet.
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import type { AgentSpec } from "@tributary/agents";
import { agentStakingAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Hex } from "viem";
import { InvalidAgentSpecError } from "../agents/errors.ts";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { agentSigner, agentSpecPart, invocation } from "../db/schema.ts";
import { AuthenticationError, ChainUnavailableError, NotFoundError } from "../errors.ts";
import { ID_LIMIT } from "./common.ts";
import { authErrors } from "./errors.ts";
import { JSONScalar } from "./json.ts";
import { action, call, PreparedAction } from "./prepare.ts";
import { AgentRef, DatanetRef, ModelRef } from "./refs.ts";

type AgentRow = typeof t.agent.$inferSelect;

interface StoredSpec {
  hash: Hex;
  spec: AgentSpec;
  matchesChain: boolean;
}

const AgentSpecView = builder.objectRef<StoredSpec>("AgentSpec").implement({
  description: "An agent's spec as this service stores it (`schema/agent-spec.schema.json`).",
  fields: (f) => ({
    hash: f.field({
      type: "Bytes32",
      description: "keccak256 of the spec's RFC 8785 canonical JSON.",
      resolve: (s) => s.hash,
    }),
    json: f.field({ type: JSONScalar, description: "The spec.", resolve: (s) => s.spec }),
    matchesChain: f.exposeBoolean("matchesChain", {
      description:
        "Whether this is the spec the chain records for the agent; false for one prepared by `updateAgent` whose transaction is not indexed yet.",
    }),
  }),
});

const AgentUsage = builder
  .objectRef<{ calls: number; tokensIn: number; tokensOut: number; fees: bigint }>("AgentUsage")
  .implement({
    description: "What an agent's completed calls added up to.",
    fields: (f) => ({
      calls: f.exposeInt("calls", { description: "Completed (charged) calls." }),
      tokensIn: f.exposeInt("tokensIn", { description: "Σ prompt tokens." }),
      tokensOut: f.exposeInt("tokensOut", { description: "Σ completion tokens." }),
      fees: f.field({
        type: "TokenAmount",
        description: "Σ prices charged.",
        resolve: (u) => u.fees,
      }),
    }),
  });

async function specOf(ctx: Context, agent: AgentRow): Promise<StoredSpec | null> {
  const onChain = await ctx.agents.specs.get(agent.specHash);
  if (onChain) return { hash: agent.specHash, spec: onChain, matchesChain: true };
  const [signer] = await ctx.app.db
    .select({ specHash: agentSigner.specHash })
    .from(agentSigner)
    .where(eq(agentSigner.agentId, agent.id.toString()));
  const pending = signer && (await ctx.agents.specs.get(signer.specHash));
  return pending ? { hash: signer.specHash as Hex, spec: pending, matchesChain: false } : null;
}

builder.objectFields(AgentRef, (f) => ({
  spec: f.field({
    type: AgentSpecView,
    nullable: true,
    description:
      "The agent's stored spec: the one whose hash the chain records, else the last one `updateAgent` prepared (flagged by `matchesChain: false`); null when this service holds neither.",
    resolve: (agent, _, ctx) => specOf(ctx, agent),
  }),
  signer: f.field({
    type: "Address",
    nullable: true,
    description:
      "The key that signs this agent's receipts (made by this service; the operator authorizes it on chain once protocol v2 adds the registry). Null until its first call or binding.",
    resolve: (agent, _, ctx) => ctx.agents.vault.addressOf(agent.id),
  }),
  usage: f.field({
    type: AgentUsage,
    description: "Calls, tokens and fees of its completed calls.",
    resolve: async (agent, _, ctx) => {
      const [row] = await ctx.app.db
        .select({
          calls: sql<number>`count(*)::int`,
          tokensIn: sql<number>`coalesce(sum(${invocation.tokensIn}), 0)::int`,
          tokensOut: sql<number>`coalesce(sum(${invocation.tokensOut}), 0)::int`,
          fees: sql<string>`coalesce(sum(${invocation.price}), 0)::text`,
        })
        .from(invocation)
        .where(and(eq(invocation.agentId, agent.id.toString()), eq(invocation.status, "DONE")));
      return {
        calls: row?.calls ?? 0,
        tokensIn: row?.tokensIn ?? 0,
        tokensOut: row?.tokensOut ?? 0,
        fees: BigInt(row?.fees ?? "0"),
      };
    },
  }),
}));

const AgentComposition = builder
  .objectRef<{ agent: AgentRow; weight: number }>("AgentComposition")
  .implement({
    description: "An agent whose current spec uses an adapter or a Datanet.",
    fields: (f) => ({
      agent: f.field({ type: AgentRef, description: "The agent.", resolve: (c) => c.agent }),
      weight: f.exposeFloat("weight", {
        description: "The adapter's ensemble weight (0 for a Datanet).",
      }),
    }),
  });

async function usedBy(ctx: Context, kind: "ADAPTER" | "DATANET", id: bigint, first: number) {
  const parts = await ctx.app.db
    .select({ specHash: agentSpecPart.specHash, weight: agentSpecPart.weight })
    .from(agentSpecPart)
    .where(and(eq(agentSpecPart.kind, kind), eq(agentSpecPart.refId, id.toString())))
    .limit(1000);
  if (parts.length === 0) return [];
  const weights = new Map(parts.map((p) => [p.specHash, p.weight]));
  const agents = await ctx.reader.db
    .select()
    .from(t.agent)
    .where(inArray(t.agent.specHash, [...weights.keys()] as Hex[]))
    .orderBy(t.agent.id)
    .limit(first);
  return agents.map((agent) => ({ agent, weight: weights.get(agent.specHash) ?? 0 }));
}

const FIRST = {
  description: "At most this many (1–100, default 50).",
  validate: { min: 1, max: 100 },
};

builder.objectFields(ModelRef, (f) => ({
  usedByAgents: f.field({
    type: [AgentComposition],
    description: "Agents whose current spec has this adapter in its ensemble, with its weight.",
    args: { first: f.arg.int(FIRST) },
    resolve: (model, args, ctx) => usedBy(ctx, "ADAPTER", model.id, args.first ?? 50),
  }),
}));

builder.objectFields(DatanetRef, (f) => ({
  usedByAgents: f.field({
    type: [AgentComposition],
    description: "Agents whose current spec retrieves from this Datanet.",
    args: { first: f.arg.int(FIRST) },
    resolve: (datanet, args, ctx) => usedBy(ctx, "DATANET", datanet.id, args.first ?? 50),
  }),
}));

const AgentSpecPayload = builder
  .objectRef<{ specHash: Hex; signer: string; spec: AgentSpec; transactions: unknown[] }>(
    "AgentSpecPayload",
  )
  .implement({
    description: "A stored spec, the agent's receipt signer and the transaction to send.",
    fields: (f) => ({
      specHash: f.field({
        type: "Bytes32",
        description: "The spec's canonical hash (what AgentStaking records).",
        resolve: (p) => p.specHash,
      }),
      signer: f.field({
        type: "Address",
        description: "The address that will sign the agent's receipts.",
        resolve: (p) => p.signer as Hex,
      }),
      spec: f.field({
        type: JSONScalar,
        description: "The spec as stored.",
        resolve: (p) => p.spec,
      }),
      transaction: f.field({
        type: PreparedAction,
        description: "The AgentStaking transaction for the operator's wallet to send.",
        resolve: (p) => ({ transactions: p.transactions as never }),
      }),
    }),
  });

const composeErrors = [InvalidAgentSpecError, NotFoundError, ChainUnavailableError, ...authErrors];
/** One AgentStaking call from the operator's wallet, prepared for it to sign. */
async function prepareStaking(
  ctx: Context,
  from: Hex,
  functionName: "registerAgent" | "updateAgent",
  args: readonly unknown[],
  description: string,
) {
  const { transactions } = await action(ctx, [
    ctx.chain.prepare({
      from,
      to: ctx.chain.address("AgentStaking"),
      data: call(agentStakingAbi, functionName, args),
      description,
    }),
  ]);
  return transactions;
}

const operator = (ctx: Context) => {
  if (!ctx.viewer) throw new AuthenticationError();
  return ctx.viewer.address;
};

builder.mutationFields((f) => ({
  createAgent: f.field({
    type: AgentSpecPayload,
    description:
      "Checks a spec (JSON Schema, then the chain: adapters exist, are not deprecated and share the base model; Datanets exist), stores it, makes the agent's receipt signer, and prepares `AgentStaking.registerAgent(specHash, metadataURI, minStake)` for the caller's wallet (the operator). SIWE session or an API key with the AGENTS scope. Errors: InvalidAgentSpecError (naming each field), ChainUnavailableError, AuthenticationError, ForbiddenError.",
    errors: { types: composeErrors },
    authScopes: { scope: "AGENTS" as const },
    args: {
      spec: f.arg({ type: JSONScalar, required: true, description: "The agent spec." }),
      minStake: f.arg({
        type: "TokenAmount",
        required: true,
        description: "Active stake the agent needs to be invocable.",
      }),
      metadataURI: f.arg.string({
        description: "Where its description lives (default: none).",
        validate: { maxLength: 2000 },
      }),
    },
    resolve: async (_, args, ctx) => {
      const from = operator(ctx);
      const spec = await ctx.agents.specs.validate(args.spec);
      const specHash = await ctx.agents.specs.store(spec, from);
      const signer = await ctx.agents.vault.forDraft(from, specHash);
      const transactions = await prepareStaking(
        ctx,
        from,
        "registerAgent",
        [specHash, args.metadataURI ?? "", args.minStake],
        `Register agent ${spec.name}`,
      );
      return { specHash, signer, spec, transactions };
    },
  }),
  updateAgent: f.field({
    type: AgentSpecPayload,
    description:
      "Checks and stores a new spec for an agent the caller operates, and prepares `AgentStaking.updateAgent(agentId, specHash, metadataURI)`. The agent keeps its receipt signer. Errors: InvalidAgentSpecError, NotFoundError, ForbiddenError (not the operator), ChainUnavailableError, AuthenticationError.",
    errors: { types: composeErrors },
    authScopes: { scope: "AGENTS" as const },
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent (on-chain id)." }),
      spec: f.arg({ type: JSONScalar, required: true, description: "The new spec." }),
      metadataURI: f.arg.string({
        description: "New metadata URI (default: keep the current one).",
        validate: { maxLength: 2000 },
      }),
    },
    resolve: async (_, args, ctx) => {
      const from = operator(ctx);
      const [agent] =
        args.agentId < ID_LIMIT
          ? await ctx.reader.db.select().from(t.agent).where(eq(t.agent.id, args.agentId))
          : [];
      if (!agent) throw new NotFoundError("Agent", args.agentId.toString());
      if (agent.operator.toLowerCase() !== from.toLowerCase())
        throw new ForbiddenError("Only the agent's operator can update it");
      const spec = await ctx.agents.specs.validate(args.spec);
      const specHash = await ctx.agents.specs.store(spec, from);
      const key = await ctx.agents.vault.forAgent(agent);
      await ctx.app.db
        .update(agentSigner)
        .set({ specHash })
        .where(eq(agentSigner.address, key.address));
      const transactions = await prepareStaking(
        ctx,
        from,
        "updateAgent",
        [agent.id, specHash, args.metadataURI ?? agent.metadataURI],
        `Update agent ${agent.id}`,
      );
      return { specHash, signer: key.address, spec, transactions };
    },
  }),
}));
