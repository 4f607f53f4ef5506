// A training job's attribution (training/attribution.ts), as its manifest records it: how much
// each training contribution's examples moved the adapter toward the held-out answers, and the
// weight that decides each contributor's part of the settlement's training split.
import { builder } from "../builder.ts";
import type { ManifestAttribution, TrainingManifest } from "../training/manifest.ts";
import { TrainingJobRef } from "./training-types.ts";

type Row = ManifestAttribution["contributions"][number];

const ContributionAttribution = builder
  .objectRef<Row>("TrainingContributionAttribution")
  .implement({
    description:
      "One training contribution's influence on a job's adapter (TracIn over randomly projected per-example LoRA gradients at the final checkpoint, as LESS computes them).",
    fields: (f) => ({
      contributionId: f.field({
        type: "BigInt",
        description: "The contribution.",
        resolve: (c) => BigInt(c.id),
      }),
      contributor: f.field({
        type: "Address",
        description: "Who registered it: whom the weight credits.",
        resolve: (c) => c.contributor as `0x${string}`,
      }),
      influence: f.exposeString("influence", {
        description:
          "The mean over held-out examples of its examples' summed influence scores, a 6-decimal string; negative when it pulled their loss up.",
      }),
      weightPpm: f.exposeInt("weightPpm", {
        description:
          "Its share of the contributions' positive influence, in parts per million (0 for a negative influence); the shares sum to 1,000,000 unless none helped. The settlement splits an adapter's training part by these weights.",
      }),
    }),
  });

builder.objectFields(TrainingJobRef, (f) => ({
  attribution: f.field({
    type: [ContributionAttribution],
    nullable: true,
    description:
      "Each training contribution's influence and weight, in contribution id order (also in `manifest`, so in `manifestHash`); null until the job SUCCEEDED.",
    resolve: (r) => (r.manifest as unknown as TrainingManifest).attribution?.contributions ?? null,
  }),
}));
