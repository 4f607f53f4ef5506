// The training manifest: what a job trained on and how, as RFC 8785 canonical JSON and its
// keccak256 (what ModelRegistry records for the adapter at publish). Ids and blocks are decimal
// strings, so every value survives JSON exactly.
import { canonicalJsonHash } from "@tributary/contracts";
import type { Hex } from "viem";
import type { ContributionUse } from "./dataset.ts";
import type { HyperParameters } from "./hyper-parameters.ts";

export interface TrainingManifest {
  version: 1;
  baseModel: { id: string; contentHash: string };
  dataBlock: string;
  datanetIds: string[];
  /** Contributions in id order: the examples and tokens each gave, and its split. */
  contributions: {
    id: string;
    datanetId: string;
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
    version: 1,
    baseModel: { id: input.baseModel.id.toString(), contentHash: input.baseModel.contentHash },
    dataBlock: input.dataBlock.toString(),
    datanetIds: [...input.datanetIds].sort((a, b) => (a < b ? -1 : 1)).map(String),
    contributions: input.contributions.map((c) => ({
      id: c.id.toString(),
      datanetId: c.datanetId.toString(),
      split: c.split,
      examples: c.examples,
      tokens: c.tokens,
      trainedTokens: c.trainedTokens,
    })),
    hyperParameters,
    seed,
    maxTokens: input.maxTokens,
    dataset: input.dataset,
  };
  return { manifest, hash: canonicalJsonHash(manifest) };
}
