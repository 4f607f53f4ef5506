// The training manifest: what a job trained on and how, as RFC 8785 canonical JSON and its
// keccak256 (what ModelRegistry records for the adapter at publish). Ids and blocks are decimal
// strings and influence a fixed-precision decimal string, so every value survives JSON exactly
// and the hash is the same wherever it is recomputed. Version 2 names each contribution's
// contributor and, once the job has trained, its training attribution (attribution.ts): the
// manifest is created without it and hashed again when it is added.
import { canonicalJsonHash } from "@tributary/contracts";
import type { Hex } from "viem";
import type { ContributionUse } from "./dataset.ts";
import type { HyperParameters } from "./hyper-parameters.ts";

/** What each training contribution did for the adapter (attribution.ts says how it is measured). */
export interface ManifestAttribution {
  method: "tracin-lora";
  /** The checkpoints whose gradients were compared (the job keeps its final one). */
  checkpointSteps: number[];
  projectionDim: number;
  /** The examples whose loss is attributed: the held-out set, or the training set itself. */
  queries: "eval" | "train";
  queryExamples: number;
  /**
   * Training contributions in id order: `influence` the mean over queries of its examples'
   * summed scores (6 decimals, may be negative); `weightPpm` its share of the positive
   * influence in parts per million (a negative influence counts as 0; the shares sum to
   * 1,000,000, or are all 0 when no contribution helped).
   */
  contributions: { id: string; contributor: string; influence: string; weightPpm: number }[];
}

export interface TrainingManifest {
  version: 2;
  baseModel: { id: string; contentHash: string };
  dataBlock: string;
  datanetIds: string[];
  /** Contributions in id order: the examples and tokens each gave, and its split. */
  contributions: {
    id: string;
    datanetId: string;
    contributor: string;
    split: "train" | "eval";
    examples: number;
    tokens: number;
    trainedTokens: number;
  }[];
  hyperParameters: Omit<HyperParameters, "seed">;
  seed: number;
  /** Longest example (the model's context + 1 token, as the worker takes). */
  maxTokens: number;
  dataset: { sha256: string; examples: number; evalSha256: string | null; evalExamples: number };
  /** Null until the job has trained (and always for a job that did not finish). */
  attribution: ManifestAttribution | null;
}

export interface ManifestInput {
  baseModel: { id: bigint; contentHash: string };
  dataBlock: bigint;
  datanetIds: readonly bigint[];
  contributions: readonly ContributionUse[];
  hyperParameters: HyperParameters;
  maxTokens: number;
  dataset: TrainingManifest["dataset"];
}

export function trainingManifest(input: ManifestInput): { manifest: TrainingManifest; hash: Hex } {
  const { seed, ...hyperParameters } = input.hyperParameters;
  const manifest: TrainingManifest = {
    version: 2,
    baseModel: { id: input.baseModel.id.toString(), contentHash: input.baseModel.contentHash },
    dataBlock: input.dataBlock.toString(),
    datanetIds: [...input.datanetIds].sort((a, b) => (a < b ? -1 : 1)).map(String),
    contributions: input.contributions.map((c) => ({
      id: c.id.toString(),
      datanetId: c.datanetId.toString(),
      contributor: c.contributor,
      split: c.split,
      examples: c.examples,
      tokens: c.tokens,
      trainedTokens: c.trainedTokens,
    })),
    hyperParameters,
    seed,
    maxTokens: input.maxTokens,
    dataset: input.dataset,
    attribution: null,
  };
  return { manifest, hash: canonicalJsonHash(manifest) };
}

/** The manifest with the job's attribution, and its new hash. */
export function withAttribution(
  manifest: TrainingManifest,
  attribution: ManifestAttribution,
): { manifest: TrainingManifest; hash: Hex } {
  const attributed = { ...manifest, attribution };
  return { manifest: attributed, hash: canonicalJsonHash(attributed) };
}
