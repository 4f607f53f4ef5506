// The training manifests an epoch's receipts name, for verify-root: fetched from the API that
// serves them (`/training-manifests/<hash>.json`) and checked against their hash, so the
// verifier trusts the API no more for them than for the epoch files. A manifest the API does not
// have (404) is an adapter without a Model Factory attribution: its owner keeps the training
// part, as the settlement's own lookup decides (training-attribution.ts).
import type { TrainingAttribution } from "@tributary/agents";
import { canonicalJsonHash } from "@tributary/contracts";
import type { TrainingManifest } from "../training/manifest.ts";
import { creditsOf } from "./training-attribution.ts";

/** `kind`: verify-root's Disagreement kind (a fetch that failed, or bytes that lie). */
export class ManifestUnverifiable extends Error {
  constructor(
    readonly kind: "unreachable" | "content-address",
    message: string,
  ) {
    super(message);
  }
}

export async function fetchTrainingAttribution(
  api: string,
  hashes: readonly string[],
  fetchImpl: typeof fetch = fetch,
): Promise<TrainingAttribution> {
  const credits = new Map<string, ReturnType<typeof creditsOf> | null>();
  for (const hash of hashes) {
    const key = hash.toLowerCase();
    const url = `${api.replace(/\/+$/, "")}/training-manifests/${key.slice(2)}.json`;
    let response: Response;
    try {
      response = await fetchImpl(url);
    } catch (error) {
      throw new ManifestUnverifiable(
        "unreachable",
        `cannot fetch ${url}: ${(error as Error).message}`,
      );
    }
    if (response.status === 404) {
      credits.set(key, null);
      continue;
    }
    if (!response.ok)
      throw new ManifestUnverifiable("unreachable", `cannot fetch ${url}: HTTP ${response.status}`);
    const manifest = (await response.json()) as TrainingManifest;
    if (canonicalJsonHash(manifest) !== key)
      throw new ManifestUnverifiable(
        "content-address",
        `the manifest at ${url} does not hash to ${key}`,
      );
    credits.set(key, manifest.attribution ? creditsOf(manifest) : null);
  }
  return (hash) => {
    const key = hash.toLowerCase();
    if (!credits.has(key))
      throw new Error(`training manifest ${hash} was not fetched before the split`);
    return credits.get(key) ?? null;
  };
}
