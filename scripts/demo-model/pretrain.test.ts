// The committed demo base model is what its reproduce command makes: the same starting weights,
// tokens and trainer give the committed training log's first steps.
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ENGINE_BUILD_DIR } from "../build-engine.ts";
import {
  parseLosses,
  parseTrainingLog,
  preparePretrainInputs,
  pretrainCommand,
  runPretrain,
  TRAINING_LOG,
} from "./pretrain.ts";

const work = mkdtempSync(path.join(tmpdir(), "tributary-pretrain-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const STEPS = 2;

describe("the demo base model's pretraining", () => {
  it("reruns its first steps with the committed training log's losses", async () => {
    const log = parseTrainingLog(await readFile(TRAINING_LOG, "utf8"));
    const inputs = await preparePretrainInputs(ENGINE_BUILD_DIR, work);
    expect(inputs.tokensSha256).toBe(log.tokensSha256);

    const steps = await runPretrain(ENGINE_BUILD_DIR, pretrainCommand(inputs, "", STEPS), 2);
    const losses = parseLosses(steps.join("\n"));
    expect(losses).toHaveLength(STEPS);
    // Bit-identical on one machine; the GEMM's kernel (AVX-512, AVX2, SSE) may move the last digits.
    for (const [i, loss] of losses.entries())
      expect(Math.abs(loss - (log.losses[i] ?? Number.NaN))).toBeLessThan(1e-4);
    // Training, not noise: the log falls from ln(4096) ≈ 8.3 to well below it.
    expect(log.losses.at(-1)).toBeLessThan((log.losses[0] ?? 0) - 3);
  }, 180_000);
});
