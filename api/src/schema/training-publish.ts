// Publishing a training job's adapter: `publishTrainingJob` prepares its ModelRegistry
// registration (content hash = the checkpoint's real sha256, the job's manifest hash, its
// Datanets and rank) for the builder's wallet, and serves its files where the registered URI
// points; the job keeps the publication, and shows the registered adapter once it is indexed.

import { tributaryTokenAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import type { Address } from "viem";
import { builder } from "../builder.ts";
import type { UnsignedTransaction } from "../chain/index.ts";
import { prepareAdapterRegistration } from "../chain/registration.ts";
import type { Context } from "../context.ts";
import type { TrainingPublicationRecord } from "../db/schema.ts";
import { ChainUnavailableError, InvalidInputError, NotFoundError } from "../errors.ts";
import {
  TrainingJobAlreadyPublishedError,
  TrainingJobNotSucceededError,
} from "../training/errors.ts";
import { checkPublication, recordPublication } from "../training/publish.ts";
import type { TrainingJobRow } from "../training/store.ts";
import { loadByKey } from "./common.ts";
import { authErrors } from "./errors.ts";
import { PreparedTransaction } from "./prepare.ts";
import { ModelRef } from "./refs.ts";
import type { ModelRow } from "./rows.ts";
import { ownJob } from "./training.ts";
import { TrainingJobRef } from "./training-types.ts";

const TrainingPublication = builder
  .objectRef<TrainingPublicationRecord>("TrainingPublication")
  .implement({
    description:
      "The ModelRegistry registration last prepared for a job's adapter by `publishTrainingJob`. `adapter` is null until a registration of these files is indexed.",
    fields: (f) => ({
      name: f.exposeString("name", { description: "The adapter's display name." }),
      pricePerCall: f.field({
        type: "TokenAmount",
        description: "Fee per call.",
        resolve: (p) => BigInt(p.pricePerCall),
      }),
      pricePer1kTokens: f.field({
        type: "TokenAmount",
        description: "Fee per 1,000 tokens.",
        resolve: (p) => BigInt(p.pricePer1kTokens),
      }),
      contentHash: f.field({
        type: "Bytes32",
        description:
          "sha256 of the checkpoint's adapter_config.json ‖ adapter_model.safetensors (the registered content hash).",
        resolve: (p) => p.contentHash as `0x${string}`,
      }),
      uri: f.exposeString("uri", {
        description:
          "The registered URI: where this API serves the files (`<url>/adapters/<sha256>/`).",
      }),
      preparedAt: f.field({
        type: "DateTime",
        description: "When it was prepared.",
        resolve: (p) => new Date(p.preparedAt),
      }),
      // One IN query for every job of the request (the content hash is unique in the registry).
      adapter: f.loadable({
        type: ModelRef,
        nullable: true,
        description:
          "The registered adapter (its `modelId` is the id to deploy), once the indexer has its registration; null before.",
        load: loadByKey<ModelRow, string>(
          "Model",
          t.model,
          t.model.contentHash,
          (row) => row.contentHash.toLowerCase(),
          (key) => String(key).toLowerCase(),
        ),
        resolve: (p) => p.contentHash.toLowerCase(),
      }),
    }),
  });

builder.objectField(TrainingJobRef, "publication", (f) =>
  f.field({
    type: TrainingPublication,
    nullable: true,
    description: "Its adapter's publication, once `publishTrainingJob` prepared one.",
    resolve: (r) => r.publication ?? null,
  }),
);

const PreparedPublication = builder
  .objectRef<{ job: TrainingJobRow; transactions: UnsignedTransaction[] }>(
    "PreparedTrainingPublication",
  )
  .implement({
    description:
      "A job's publication: the job (with `publication`) and the registration's transactions to send in order.",
    fields: (f) => ({
      job: f.field({ type: TrainingJobRef, description: "The job.", resolve: (p) => p.job }),
      transactions: f.field({
        type: [PreparedTransaction],
        description:
          "A commitment, then the registration that reveals it; mined in different blocks.",
        resolve: (p) => p.transactions,
      }),
    }),
  });

async function tokenSupply(ctx: Context): Promise<bigint> {
  try {
    return await ctx.chain.publicClient.readContract({
      address: ctx.chain.address("TributaryToken"),
      abi: tributaryTokenAbi,
      functionName: "totalSupply",
    });
  } catch (error) {
    throw new ChainUnavailableError(error);
  }
}

builder.mutationFields((f) => ({
  publishTrainingJob: f.field({
    type: PreparedPublication,
    description:
      "Prepares the ModelRegistry registration of a SUCCEEDED job's adapter, for the caller's wallet to sign and send (or relay): its content hash is the sha256 of the final checkpoint's adapter files, its training-manifest hash the job's, its base model, Datanets and rank the job's; its URI is where this API now serves those files (`/adapters/<sha256>/`), so the pool can fetch and verify them. The job records the publication; once the registration is indexed, `publication.adapter` is the adapter to `deployAdapter`. Preparing again before it is sent replaces the record (only one registration of the same files can ever succeed). Errors: TrainingJobNotSucceededError (QUEUED, RUNNING, FAILED — diverged included — or CANCELLED), TrainingJobAlreadyPublishedError (these files are registered), InvalidInputError (`name`: 1–100 characters without control characters or surrounding spaces, not 64 hex digits, not the name of an Active adapter on the same base model; `pricePerCall`/`pricePer1kTokens`: at most the token's total supply), NotFoundError (unknown job, or another builder's), ChainUnavailableError, AuthenticationError, ForbiddenError (a key without the TRAIN scope). Nothing changes when it fails.",
    errors: {
      types: [
        TrainingJobNotSucceededError,
        TrainingJobAlreadyPublishedError,
        InvalidInputError,
        NotFoundError,
        ChainUnavailableError,
        ...authErrors,
      ],
    },
    authScopes: { scope: "TRAIN" },
    args: {
      jobId: f.arg.id({ required: true, description: "The job's id." }),
      name: f.arg.string({ required: true, description: "The adapter's display name." }),
      pricePerCall: f.arg({ type: "TokenAmount", required: true, description: "Fee per call." }),
      pricePer1kTokens: f.arg({
        type: "TokenAmount",
        required: true,
        description: "Fee per 1,000 tokens.",
      }),
    },
    resolve: async (_, args, ctx) => {
      const row = await ownJob(ctx, String(args.jobId));
      const deps = {
        reader: ctx.reader.db,
        store: ctx.training.store,
        filesDir: ctx.training.adapterFilesDir,
        filesUrl: ctx.adapterFilesUrl,
        maxPrice: () => tokenSupply(ctx),
      };
      const registration = await checkPublication(deps, row, args);
      const transactions = await Promise.all(
        prepareAdapterRegistration(ctx.chain, row.builder as Address, registration),
      );
      return { job: await recordPublication(deps, row, registration), transactions };
    },
  }),
}));
