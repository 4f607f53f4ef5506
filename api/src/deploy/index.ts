// Deploying a registered adapter: the pool loads it through its normal verified path (fetched
// from the registered URI, sha256 checked against the registry) and lists it in `/v1/models`.
// Allowed to the adapter's current owner and to the configured pool operators.
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { modelRegistryAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { eq } from "drizzle-orm";
import type { Address, Hex, PublicClient } from "viem";
import { ChainUnavailableError, InvalidInputError, NotFoundError } from "../errors.ts";
import type { ReaderDb } from "../reader/index.ts";
import {
  AdapterFilesRefusedError,
  AdapterNotIndexedError,
  PoolUnavailableError,
} from "./errors.ts";
import { createPoolAdmin, type PoolAdminConfig, PoolAdminError } from "./pool-admin.ts";

export type ModelRow = typeof t.model.$inferSelect;

export interface DeployOptions {
  /** The pool and its admin key; without them nothing can be deployed. */
  pool?: PoolAdminConfig | undefined;
  /** Accounts that may deploy any registered adapter (besides each adapter's owner). */
  operators?: readonly Address[] | undefined;
}

export interface DeployDeps {
  reader: ReaderDb;
  publicClient: PublicClient;
  modelRegistry: Address;
}

export interface AdapterDeployment {
  adapter: ModelRow;
  /** The pool's model name for it (`<base>:<name>`). */
  model: string;
}

/** The indexed adapter; NotFoundError, or AdapterNotIndexedError when only the chain has it. */
async function indexedAdapter(deps: DeployDeps, id: bigint): Promise<ModelRow> {
  // No token id reaches 2^63, and the indexer's SQL endpoint fails on such values.
  const [row] =
    id < 2n ** 63n ? await deps.reader.select().from(t.model).where(eq(t.model.id, id)) : [];
  if (row) return row;
  let onChain: boolean;
  try {
    onChain = await deps.publicClient.readContract({
      address: deps.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "isAdapter",
      args: [id],
    });
  } catch (error) {
    throw new ChainUnavailableError(error);
  }
  if (onChain) throw new AdapterNotIndexedError(id);
  throw new NotFoundError("Model", id.toString());
}

/** The pool's refusal as the caller's typed error. */
function refusal(error: unknown, adapter: ModelRow): Error {
  if (!(error instanceof PoolAdminError)) return error as Error;
  const hash = adapter.contentHash;
  switch (error.poolCode) {
    case "adapter_hash_mismatch":
      return new AdapterFilesRefusedError("HASH_MISMATCH", hash, error.message);
    case "adapter_fetch_failed":
      return new AdapterFilesRefusedError("UNREACHABLE", hash, error.message);
    // The pool's registry (its indexer) has not reached the registration yet.
    case "adapter_not_found":
    case "adapter_not_registered":
      return new AdapterNotIndexedError(adapter.id);
  }
  if (error.status === 401)
    return new PoolUnavailableError("The pool refused the API's admin key", false);
  return new PoolUnavailableError(`The pool could not load the adapter: ${error.message}`);
}

export function createAdapterDeployer(options: DeployOptions, fetchImpl?: typeof fetch) {
  const admin = options.pool ? createPoolAdmin(options.pool, fetchImpl) : null;
  const operators = new Set((options.operators ?? []).map((a) => a.toLowerCase()));

  async function deploy(
    deps: DeployDeps,
    caller: Address,
    adapterId: bigint,
  ): Promise<AdapterDeployment> {
    const adapter = await indexedAdapter(deps, adapterId);
    if (adapter.kind !== "Adapter")
      throw new InvalidInputError(
        `Model ${adapterId} is a base model, not an adapter`,
        "adapterId",
      );
    const owner = adapter.owner.toLowerCase() === caller.toLowerCase();
    if (!owner && !operators.has(caller.toLowerCase()))
      throw new ForbiddenError("Only the adapter's owner or a pool operator can deploy it");
    if (adapter.status !== "Active")
      throw new InvalidInputError(`Adapter ${adapterId} is deprecated`, "adapterId");
    if (!admin)
      throw new PoolUnavailableError("No inference pool (with its admin key) is configured", false);
    try {
      const loaded = await admin.loadAdapter(adapter.contentHash as Hex);
      return { adapter, model: loaded.model };
    } catch (error) {
      throw refusal(error, adapter);
    }
  }

  return { deploy };
}

export type AdapterDeployer = ReturnType<typeof createAdapterDeployer>;
