// Publishing a job's adapter: the checks that come before anything changes (a SUCCEEDED job, a
// listing in range, files not registered yet), then its files stored under their content hash
// and served, the registration recorded on the job and returned for the builder's wallet.
import * as t from "@tributary/indexer/schema";
import { isAdapterId } from "@tributary/pool";
import { and, eq } from "drizzle-orm";
import type { Hex } from "viem";
import type { AdapterRegistration } from "../chain/registration.ts";
import { InvalidInputError } from "../errors.ts";
import type { ReaderDb } from "../reader/index.ts";
import { adapterContentHash, adapterFilesUri, storeAdapterFiles } from "./adapter-files.ts";
import { TrainingJobAlreadyPublishedError, TrainingJobNotSucceededError } from "./errors.ts";
import type { HyperParameters } from "./hyper-parameters.ts";
import type { JobStore, TrainingJobRow } from "./store.ts";

/** What the builder chooses: the adapter's display name and its prices (wei). */
export interface Listing {
  name: string;
  pricePerCall: bigint;
  pricePer1kTokens: bigint;
}

export const MAX_NAME_LENGTH = 100;

export interface PublishDeps {
  reader: ReaderDb;
  store: JobStore;
  /** The published adapters' files directory (see adapter-files.ts). */
  filesDir: string;
  /** Where that directory is served: the URI the registration records starts here. */
  filesUrl: string;
  /** The highest price accepted: the token's total supply (a price above it is never payable). */
  maxPrice: () => Promise<bigint>;
}

export function checkPublishable(row: TrainingJobRow) {
  if (row.status !== "SUCCEEDED" || !row.checkpointPath)
    throw new TrainingJobNotSucceededError(row.status, row.errorCode);
}

export function checkListing(listing: Listing, maxPrice: bigint) {
  const { name } = listing;
  if (
    name.length < 1 ||
    name.length > MAX_NAME_LENGTH ||
    name.trim() !== name ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused
    /[\u0000-\u001f\u007f]/.test(name)
  )
    throw new InvalidInputError(
      `name must be 1–${MAX_NAME_LENGTH} characters, without control characters or surrounding spaces`,
      "name",
    );
  // The pool reads a model name of 64 hex digits as a content hash.
  if (isAdapterId(name)) throw new InvalidInputError("name must not be 64 hex digits", "name");
  for (const field of ["pricePerCall", "pricePer1kTokens"] as const)
    if (listing[field] > maxPrice)
      throw new InvalidInputError(
        `${field} must be at most the token's total supply (${maxPrice})`,
        field,
      );
}

/** The pool serves `<base>:<name>`: a name an Active adapter on the same base has is taken. */
async function checkNameFree(reader: ReaderDb, baseModelId: bigint, name: string) {
  const m = t.model;
  const [taken] = await reader
    .select({ id: m.id })
    .from(m)
    .where(
      and(
        eq(m.baseModelId, baseModelId),
        eq(m.kind, "Adapter"),
        eq(m.status, "Active"),
        eq(m.name, name),
      ),
    )
    .limit(1);
  if (taken)
    throw new InvalidInputError(
      `Adapter ${taken.id} on this base model is already named "${name}"`,
      "name",
    );
}

async function checkUnregistered(reader: ReaderDb, contentHash: Hex) {
  const [registered] = await reader
    .select({ id: t.model.id })
    .from(t.model)
    .where(eq(t.model.contentHash, contentHash))
    .limit(1);
  if (registered) throw new TrainingJobAlreadyPublishedError(registered.id);
}

/** Every check, before anything changes; returns the registration to prepare. */
export async function checkPublication(
  deps: PublishDeps,
  row: TrainingJobRow,
  listing: Listing,
): Promise<AdapterRegistration> {
  checkPublishable(row);
  checkListing(listing, await deps.maxPrice());
  const contentHash = await adapterContentHash(row.checkpointPath as string);
  await checkUnregistered(deps.reader, contentHash);
  await checkNameFree(deps.reader, row.baseModelId, listing.name);
  return {
    baseModelId: row.baseModelId,
    name: listing.name,
    contentHash,
    uri: adapterFilesUri(deps.filesUrl, contentHash),
    rank: (row.hyperParameters as unknown as HyperParameters).rank,
    pricePerCall: listing.pricePerCall,
    pricePer1kTokens: listing.pricePer1kTokens,
    datanetIds: row.datanetIds.map(BigInt),
    trainingManifestHash: row.manifestHash as Hex,
    supersedes: 0n,
  };
}

/** Serves the checkpoint's files at the registration's URI and records it on the job. */
export async function recordPublication(
  deps: PublishDeps,
  row: TrainingJobRow,
  registration: AdapterRegistration,
): Promise<TrainingJobRow> {
  await storeAdapterFiles(row.checkpointPath as string, deps.filesDir, registration.contentHash);
  const job = await deps.store.recordPublication(row.id, {
    name: registration.name,
    pricePerCall: registration.pricePerCall.toString(),
    pricePer1kTokens: registration.pricePer1kTokens.toString(),
    contentHash: registration.contentHash,
    uri: registration.uri,
    preparedAt: new Date().toISOString(),
  });
  if (!job) throw new TrainingJobNotSucceededError(row.status, row.errorCode);
  return job;
}
