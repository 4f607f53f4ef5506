import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.ts";
import { resolveHyperParameters, workerSpec } from "./hyper-parameters.ts";

const fieldOf = (input: Parameters<typeof resolveHyperParameters>[0]) => {
  try {
    resolveHyperParameters(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).field;
  }
  return null;
};

describe("hyper-parameters", () => {
  it("fills defaults", () => {
    const p = resolveHyperParameters({ totalSteps: 100, seed: 3 });
    expect(p).toMatchObject({
      rank: 8,
      loraAlpha: 16,
      targetModules: ["q", "k", "v", "o"],
      learningRate: 2e-4,
      checkpointEvery: 50,
      evalEvery: 50,
      seed: 3,
      evalFraction: 0.1,
      evalSamples: 3,
      evalSampleTokens: 32,
    });
    expect(resolveHyperParameters({ totalSteps: 5 }).checkpointEvery).toBe(5);
    expect(Number.isInteger(resolveHyperParameters({ totalSteps: 5 }).seed)).toBe(true);
  });

  it("refuses out-of-range values, naming the field", () => {
    expect(fieldOf({ totalSteps: 0 })).toBe("hyperParameters.totalSteps");
    expect(fieldOf({ totalSteps: 1.5 })).toBe("hyperParameters.totalSteps");
    expect(fieldOf({ totalSteps: 10, rank: 0 })).toBe("hyperParameters.rank");
    expect(fieldOf({ totalSteps: 10, learningRate: 0 })).toBe("hyperParameters.learningRate");
    expect(fieldOf({ totalSteps: 10, learningRate: Number.NaN })).toBe(
      "hyperParameters.learningRate",
    );
    expect(fieldOf({ totalSteps: 10, weightDecay: 1 })).toBe("hyperParameters.weightDecay");
    expect(fieldOf({ totalSteps: 10, warmupSteps: 11 })).toBe("hyperParameters.warmupSteps");
    expect(fieldOf({ totalSteps: 10, microBatchSize: 65 })).toBe("hyperParameters.microBatchSize");
    expect(fieldOf({ totalSteps: 10, evalFraction: 0.6 })).toBe("hyperParameters.evalFraction");
    expect(fieldOf({ totalSteps: 10, targetModules: [] })).toBe("hyperParameters.targetModules");
    expect(fieldOf({ totalSteps: 10, targetModules: ["q", "q"] })).toBe(
      "hyperParameters.targetModules",
    );
    expect(fieldOf({ totalSteps: 10, seed: -1 })).toBe("hyperParameters.seed");
    expect(fieldOf({ totalSteps: 10, evalSamples: 17 })).toBe("hyperParameters.evalSamples");
    expect(fieldOf({ totalSteps: 10, evalSampleTokens: 0 })).toBe(
      "hyperParameters.evalSampleTokens",
    );
    expect(fieldOf({ totalSteps: 10, rank: 16, loraAlpha: 32 })).toBeNull();
  });

  it("becomes the worker's train fields", () => {
    const p = resolveHyperParameters({ totalSteps: 4, seed: 9, rank: 4 });
    const spec = workerSpec(
      p,
      { model: "/m", dataset: "/d", evalDataset: null, outputDir: "/o" },
      2,
    );
    expect(spec).toMatchObject({
      model: "/m",
      output_dir: "/o",
      lora: { r: 4, lora_alpha: 8, target_modules: ["q", "k", "v", "o"] },
      total_steps: 4,
      seed: 9,
      threads: 2,
    });
    expect(spec).not.toHaveProperty("eval_dataset");
    // Evaluation settings are the API's: the worker refuses fields it does not know.
    expect(JSON.stringify(spec)).not.toMatch(/sample/i);
  });
});
