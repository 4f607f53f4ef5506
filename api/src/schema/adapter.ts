import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { modelRegistryAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { and, arrayContains, eq, gte, ilike, lte, or, type SQL } from "drizzle-orm";
import { zeroHash } from "viem";
import { builder } from "../builder.ts";
import type { UnsignedTransaction } from "../chain/index.ts";
import { prepareAdapterRegistration } from "../chain/registration.ts";
import type { Context } from "../context.ts";
import { InvalidInputError } from "../errors.ts";
import { listRows, OrderDirection } from "./common.ts";
import { type ConnectionArgs, sortBy } from "./keyset.ts";
import { listChildRows } from "./nested.ts";
import { action, call, one, PreparedAction, prepareOptions, viewer } from "./prepare.ts";
import { AccountRef, DatanetRef, ModelRef, NODE_DESCRIPTIONS } from "./refs.ts";

export const ModelKind = builder.enumType("ModelKind", {
  description: "Whether a registry asset is a base model or a LoRA adapter on one.",
  values: {
    BaseModel: { description: "A full base model." },
    Adapter: { description: "A LoRA adapter on a base model." },
  } as const,
});

export const ModelStatus = builder.enumType("ModelStatus", {
  description: "Lifecycle of a registry asset.",
  values: {
    Active: { description: "Usable and priced." },
    Deprecated: { description: "Retired by its owner." },
  } as const,
});

const ModelOrderField = builder.enumType("ModelOrderField", {
  description: "What to sort models by.",
  values: {
    ID: { description: "Registration order." },
    PRICE_PER_CALL: { description: "Price per call (adapters)." },
    NAME: { description: "Name, alphabetically." },
    UPDATED: { description: "Block of the last change." },
  } as const,
});

const ModelOrder = builder.inputType("ModelOrder", {
  description: "Sort order for models.",
  fields: (f) => ({
    field: f.field({ type: ModelOrderField, required: true, description: "What to sort by." }),
    direction: f.field({
      type: OrderDirection,
      defaultValue: "ASC",
      description: "Direction (ASC by default).",
    }),
  }),
});

export const ModelFilter = builder.inputType("ModelFilter", {
  description: "Filters for models and adapters; all given conditions must hold.",
  fields: (f) => ({
    kind: f.field({ type: ModelKind, description: "Only base models or only adapters." }),
    baseModelId: f.field({
      type: "BigInt",
      description: "Adapters on this base model (on-chain id).",
    }),
    owner: f.field({ type: "Address", description: "Current owner (follows transfers)." }),
    datanetId: f.field({
      type: "BigInt",
      description: "Adapters trained on this Datanet (on-chain id).",
    }),
    status: f.field({ type: ModelStatus, description: "Lifecycle status." }),
    minPricePerCall: f.field({ type: "TokenAmount", description: "Price per call at least this." }),
    maxPricePerCall: f.field({ type: "TokenAmount", description: "Price per call at most this." }),
    search: f.string({
      description: "Case-insensitive substring of the name or URI (max 100 characters).",
      validate: { maxLength: 100 },
    }),
  }),
});

type Filter = typeof ModelFilter.$inferInput;

function modelWhere(_ctx: Context, filter: Filter | null | undefined): SQL | undefined {
  if (!filter) return undefined;
  const m = t.model;
  const escaped = filter.search?.replace(/[\\%_]/g, (c) => `\\${c}`);
  return and(
    filter.kind ? eq(m.kind, filter.kind) : undefined,
    filter.baseModelId != null ? eq(m.baseModelId, filter.baseModelId) : undefined,
    filter.owner ? eq(m.owner, filter.owner) : undefined,
    filter.status ? eq(m.status, filter.status) : undefined,
    filter.minPricePerCall != null ? gte(m.pricePerCall, filter.minPricePerCall) : undefined,
    filter.maxPricePerCall != null ? lte(m.pricePerCall, filter.maxPricePerCall) : undefined,
    escaped ? or(ilike(m.name, `%${escaped}%`), ilike(m.uri, `%${escaped}%`)) : undefined,
    filter.datanetId != null
      ? // Ponder's SQL endpoint refuses subqueries; the adapter row carries its Datanet ids.
        arrayContains(m.datanetIds, [filter.datanetId])
      : undefined,
  );
}

const orderColumn = {
  ID: t.model.id,
  PRICE_PER_CALL: t.model.pricePerCall,
  NAME: t.model.name,
  UPDATED: t.model.blockNumber,
} as const;

ModelRef.implement({
  description: NODE_DESCRIPTIONS.ModelRef,
  fields: (f) => ({
    modelId: f.field({ type: "BigInt", description: "On-chain token id.", resolve: (m) => m.id }),
    kind: f.field({
      type: ModelKind,
      description: "Base model or adapter.",
      resolve: (m) => m.kind,
    }),
    name: f.exposeString("name", { description: "Display name given at registration." }),
    owner: f.field({
      type: AccountRef,
      description: "Current owner (receives adapter fees).",
      resolve: (m) => m.owner,
    }),
    registrant: f.field({
      type: "Address",
      description: "Who registered it.",
      resolve: (m) => m.registrant,
    }),
    contentHash: f.field({
      type: "Bytes32",
      description:
        "sha256 of the canonical model/adapter files; the pool verifies downloads against it.",
      resolve: (m) => m.contentHash,
    }),
    uri: f.exposeString("uri", { description: "Where the files can be fetched." }),
    status: f.field({
      type: ModelStatus,
      description: "Lifecycle status.",
      resolve: (m) => m.status,
    }),
    baseModel: f.field({
      type: ModelRef,
      nullable: true,
      description: "The base model an adapter applies to (null for base models).",
      resolve: (m) => (m.baseModelId === null ? null : m.baseModelId.toString()),
    }),
    rank: f.exposeInt("rank", { nullable: true, description: "LoRA rank (adapters only)." }),
    pricePerCall: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "Fee per call (adapters only).",
      resolve: (m) => m.pricePerCall,
    }),
    pricePer1kTokens: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "Fee per 1,000 tokens (adapters only).",
      resolve: (m) => m.pricePer1kTokens,
    }),
    datanets: f.field({
      type: [DatanetRef],
      description: "Datanets the adapter was trained on.",
      resolve: (m) => (m.datanetIds ?? []).map(String),
    }),
    trainingManifestHash: f.field({
      type: "Bytes32",
      nullable: true,
      description: "Hash of the training manifest (adapters only).",
      resolve: (m) => m.trainingManifestHash,
    }),
    version: f.exposeInt("version", { description: "1 for a first version, +1 for each update." }),
    supersedes: f.field({
      type: ModelRef,
      nullable: true,
      description: "The earlier version this one replaced.",
      resolve: (m) => m.supersedes?.toString() ?? null,
    }),
    supersededBy: f.field({
      type: ModelRef,
      nullable: true,
      description: "The newer version that replaced this one.",
      resolve: (m) => m.supersededBy?.toString() ?? null,
    }),
    transferCount: f.exposeInt("transferCount", {
      description: "ERC-721 transfers since minting.",
    }),
    createdAt: f.field({
      type: "DateTime",
      description: "Registration block time.",
      resolve: (m) => m.createdAt,
    }),
    updatedAt: f.field({
      type: "DateTime",
      description: "Time of the last change.",
      resolve: (m) => m.timestamp,
    }),
    adapters: f.connection({
      type: ModelRef,
      description: "Adapters registered on this base model.",
      resolve: (m, args, ctx) =>
        listChildRows(
          ctx,
          args,
          t.model,
          { column: t.model.baseModelId, key: m.id },
          undefined,
          sortBy("ASC", t.model.id),
        ),
    }),
  }),
});

export function listModels(
  ctx: Context,
  args: {
    filter?: Filter | null;
    orderBy?: { field: keyof typeof orderColumn; direction?: "ASC" | "DESC" | null } | null;
  } & ConnectionArgs,
  kind?: "Adapter",
) {
  const where = and(modelWhere(ctx, args.filter), kind ? eq(t.model.kind, kind) : undefined);
  const order = args.orderBy ?? { field: "ID" as const, direction: "ASC" as const };
  return listRows(
    ctx,
    args,
    t.model,
    where,
    sortBy(order.direction ?? "DESC", orderColumn[order.field], t.model.id),
  );
}

builder.queryFields((f) => ({
  model: f.field({
    type: ModelRef,
    nullable: true,
    description: "A model or adapter by on-chain id (null when unknown).",
    args: { modelId: f.arg({ type: "BigInt", required: true, description: "On-chain token id." }) },
    resolve: (_, { modelId }) => modelId.toString(),
  }),
  models: f.connection({
    type: ModelRef,
    description: "Base models and adapters, filtered and sorted.",
    args: {
      filter: f.arg({ type: ModelFilter, description: "Conditions to match." }),
      orderBy: f.arg({
        type: ModelOrder,
        description: "Sort order (registration order by default).",
      }),
    },
    resolve: (_, args, ctx) => listModels(ctx, args),
  }),
  adapters: f.connection({
    type: ModelRef,
    description: "LoRA adapters only, filtered and sorted (same filters as `models`).",
    args: {
      filter: f.arg({ type: ModelFilter, description: "Conditions to match." }),
      orderBy: f.arg({
        type: ModelOrder,
        description: "Sort order (registration order by default).",
      }),
    },
    resolve: (_, args, ctx) => listModels(ctx, args, "Adapter"),
  }),
}));

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
  prepareRegisterAdapter: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Register a LoRA adapter (an ERC-721 minted to you). Two transactions, sent in order and mined in different blocks: a commitment (it hides the content hash and binds you, so nobody can front-run the registration), then the registration that reveals it.",
    args: { input: f.arg({ type: AdapterInput, required: true, description: "The adapter." }) },
    resolve: (_, { input }, ctx) =>
      action(
        ctx,
        prepareAdapterRegistration(ctx.chain, viewer(ctx), {
          ...input,
          trainingManifestHash: input.trainingManifestHash ?? zeroHash,
          supersedes: input.supersedes ?? 0n,
        }),
      ),
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
}));
