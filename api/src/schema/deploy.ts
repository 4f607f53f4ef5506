// `deployAdapter`: the pool loads a registered, indexed adapter through its verified path (files
// from the registered URI, sha256 checked against the registry) and lists it in `/v1/models`.
import { builder } from "../builder.ts";
import {
  AdapterFilesRefusedError,
  AdapterNotIndexedError,
  PoolUnavailableError,
} from "../deploy/errors.ts";
import type { AdapterDeployment } from "../deploy/index.ts";
import {
  AuthenticationError,
  ChainUnavailableError,
  InvalidInputError,
  NotFoundError,
} from "../errors.ts";
import { authErrors, ErrorInterface } from "./errors.ts";
import { ModelRef } from "./refs.ts";

builder.objectType(AdapterNotIndexedError, {
  name: "AdapterNotIndexedError",
  description:
    "The adapter is registered on chain but the indexer (the API's or the pool's) has not reached it; retry shortly.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof AdapterNotIndexedError,
  fields: (f) => ({
    adapterId: f.field({
      type: "BigInt",
      description: "The adapter (on-chain id).",
      resolve: (e) => e.adapterId,
    }),
  }),
});

const AdapterFilesRefusal = builder.enumType("AdapterFilesRefusal", {
  description: "Why the pool refused an adapter's files.",
  values: {
    HASH_MISMATCH: {
      description: "The files at the registered URI do not hash to the registered content hash.",
    },
    UNREACHABLE: { description: "The files could not be fetched from the registered URI." },
  } as const,
});

builder.objectType(AdapterFilesRefusedError, {
  name: "AdapterFilesRefusedError",
  description: "The pool could not load the adapter's files; nothing was loaded.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof AdapterFilesRefusedError,
  fields: (f) => ({
    reason: f.field({ type: AdapterFilesRefusal, description: "Why.", resolve: (e) => e.reason }),
    contentHash: f.field({
      type: "Bytes32",
      description: "The registered content hash.",
      resolve: (e) => e.contentHash as `0x${string}`,
    }),
  }),
});

builder.objectType(PoolUnavailableError, {
  name: "PoolUnavailableError",
  description:
    "No inference pool is configured for deploying (`retryable` false), or it did not answer (`retryable` true).",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof PoolUnavailableError,
});

const AdapterDeploymentRef = builder.objectRef<AdapterDeployment>("AdapterDeployment").implement({
  description: "An adapter loaded by the inference pool.",
  fields: (f) => ({
    adapter: f.field({
      type: ModelRef,
      description: "The adapter.",
      resolve: (d) => d.adapter,
    }),
    model: f.exposeString("model", {
      description:
        "What OpenAI-compatible requests to the pool name it by (`model`: `<base>:<adapter name>`); it is listed in the pool's `/v1/models`.",
    }),
  }),
});

builder.mutationFields((f) => ({
  deployAdapter: f.field({
    type: AdapterDeploymentRef,
    description:
      "Asks the inference pool to load a registered adapter: the pool fetches its files from the registered URI, checks their sha256 against the registered content hash, loads it on its engines and lists it in `/v1/models`. For the adapter's owner, or a pool operator (configured on the API). Deploying a deployed adapter answers the same. Errors: NotFoundError (no such model), AdapterNotIndexedError (registered, not indexed yet; retry), InvalidInputError (`adapterId` a base model, or deprecated), AdapterFilesRefusedError (HASH_MISMATCH, UNREACHABLE), PoolUnavailableError, ForbiddenError (not the owner nor an operator, or a key without the DEPLOY scope), ChainUnavailableError, AuthenticationError.",
    errors: {
      types: [
        NotFoundError,
        AdapterNotIndexedError,
        InvalidInputError,
        AdapterFilesRefusedError,
        PoolUnavailableError,
        ChainUnavailableError,
        ...authErrors,
      ],
    },
    authScopes: { scope: "DEPLOY" },
    args: {
      adapterId: f.arg({
        type: "BigInt",
        required: true,
        description: "The adapter (on-chain id).",
      }),
    },
    resolve: (_, { adapterId }, ctx) => {
      if (!ctx.viewer) throw new AuthenticationError();
      return ctx.deployer.deploy(
        {
          reader: ctx.reader.db,
          publicClient: ctx.chain.publicClient,
          modelRegistry: ctx.chain.address("ModelRegistry"),
        },
        ctx.viewer.address,
        adapterId,
      );
    },
  }),
}));
