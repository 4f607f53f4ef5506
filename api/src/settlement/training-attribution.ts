// The settlement's training split (splitReceipt's `training`): an adapter registered with a
// Model Factory manifest hash credits the contributors its manifest's attribution weighs
// (training/attribution.ts), each by the sum of their contributions' weights in ppm. The split
// is synchronous, so the manifests a set of receipts names are read first, and the lookup
// answers only for the hashes it was loaded with: a split over a hash nobody loaded is a bug,
// not an owner keeping the whole share. A manifest is content-addressed (its hash is of its
// canonical JSON), so what a hash maps to never changes and is cached for the process's life.
import { NO_MANIFEST, type TrainingAttribution } from "@tributary/agents";
import { inArray } from "drizzle-orm";
import { type Address, getAddress, type Hex } from "viem";
import type { AppDb } from "../db/index.ts";
import { trainingJob } from "../db/schema.ts";
import type { TrainingManifest } from "../training/manifest.ts";

type Credits = readonly { contributor: Address; weight: bigint }[];

const known = new Map<string, Credits>();

/** Each contributor's weight (ppm summed over their contributions), in contribution id order. */
export function creditsOf(manifest: Pick<TrainingManifest, "attribution">): Credits {
  const weights = new Map<Address, bigint>();
  for (const c of manifest.attribution?.contributions ?? []) {
    if (c.weightPpm <= 0) continue;
    const contributor = getAddress(c.contributor);
    weights.set(contributor, (weights.get(contributor) ?? 0n) + BigInt(c.weightPpm));
  }
  return [...weights].map(([contributor, weight]) => ({ contributor, weight }));
}

/** The distinct manifest hashes the receipts' adapters name (lowercase; none for no manifest). */
export const manifestHashesOf = (
  receipts: readonly { lists: { adapters: readonly { trainingManifestHash: Hex }[] } }[],
) =>
  [
    ...new Set(
      receipts.flatMap((r) => r.lists.adapters.map((a) => a.trainingManifestHash.toLowerCase())),
    ),
  ].filter((h) => h !== NO_MANIFEST);

/**
 * The attribution of these manifests, read from the training store: a hash of no attributed
 * Model Factory job (registered elsewhere, or before attribution existed) credits nobody, so
 * its adapter's owner keeps the training part.
 */
export async function loadTrainingAttribution(
  db: Pick<AppDb, "select">,
  hashes: readonly string[],
): Promise<TrainingAttribution> {
  const wanted = new Set(hashes.map((h) => h.toLowerCase()));
  const missing = [...wanted].filter((h) => !known.has(h));
  if (missing.length > 0) {
    const rows = await db
      .select({ hash: trainingJob.manifestHash, manifest: trainingJob.manifest })
      .from(trainingJob)
      .where(inArray(trainingJob.manifestHash, missing));
    for (const row of rows) {
      const manifest = row.manifest as unknown as TrainingManifest;
      if (manifest.attribution) known.set(row.hash.toLowerCase(), creditsOf(manifest));
    }
  }
  return (hash) => {
    const key = hash.toLowerCase();
    if (!wanted.has(key))
      throw new Error(`training manifest ${hash} was not loaded before the split`);
    return known.get(key) ?? null;
  };
}

/** Loads what these receipts' adapters name. */
export const trainingAttributionOf = (
  db: Pick<AppDb, "select">,
  receipts: readonly { lists: { adapters: readonly { trainingManifestHash: Hex }[] } }[],
) => loadTrainingAttribution(db, manifestHashesOf(receipts));
