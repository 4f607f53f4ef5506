// Fine-tunes the demo adapters with Model Factory's own pieces (the API's data set builder, the
// engine's training worker) on the two demo Datanets (demo/datanets/*), and measures what each
// adapter learnt: held-out loss per Datanet, base model alone against base + adapter, on one
// document of each Datanet that no adapter trains on. Run offline once; `npm start` serves the
// adapters it writes (committed under inference/models/demo-adapters/).
//
//   npm run train:demo-adapters -w api -- [--model DIR] [--out DIR] [--steps N] [--threads N]
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  loadTokenizer,
  spawnTrainingWorker,
  startEvaluation,
  startTrainingJob,
} from "@tributary/pool";
import { buildTrainingSet, writeExamples } from "../src/training/dataset.ts";
import type { ContributionText } from "../src/training/examples.ts";
import { heldOut } from "../src/training/selection.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: path.join(root, "inference/models/tributary-demo") },
    out: { type: "string", default: path.join(root, "inference/models/demo-adapters") },
    steps: { type: "string", default: "60" },
    threads: { type: "string", default: "2" },
  },
});

/** The demo adapters (names as in scripts/demo-models.ts and demo/agents/demo-agent.json). */
const ADAPTERS = [
  { name: "lora-notes-expert", rank: 8, seed: 11, datanets: ["lora-notes"] },
  { name: "settlement-expert", rank: 16, seed: 12, datanets: ["settlement-notes"] },
  { name: "generalist", rank: 4, seed: 13, datanets: ["lora-notes", "settlement-notes"] },
] as const;
const DATANETS = ["lora-notes", "settlement-notes"] as const;
const TARGETS = ["q", "k", "v", "o", "gate", "up", "down"] as const;
/** One document per Datanet is held out of every adapter's training, for the table. */
const HOLD_OUT_SEED = 7;
const MAX_TOKENS = 257;

/** Each demo Datanet's documents as contributions (ids in file order, Datanet ids 1 and 2). */
async function demoContributions(): Promise<ContributionText[]> {
  const out: ContributionText[] = [];
  for (const [d, name] of DATANETS.entries()) {
    const dir = path.join(root, "demo/datanets", name);
    const files = (await readdir(dir)).filter((f) => f.endsWith(".md")).sort();
    for (const file of files)
      out.push({
        id: BigInt(out.length + 1),
        datanetId: BigInt(d + 1),
        // Not credited here: these adapters are the demo's, not a published job's.
        contributor: "0x0000000000000000000000000000000000000000",
        mediaType: "text/markdown",
        text: await readFile(path.join(dir, file), "utf8"),
      });
  }
  return out;
}

const log = (fields: object) => process.stdout.write(`${JSON.stringify(fields)}\n`);

async function main() {
  const model = path.resolve(args.model as string);
  const outDir = path.resolve(args.out as string);
  const steps = Number(args.steps);
  const threads = Number(args.threads);
  const tokenizer = await loadTokenizer(model);
  if (!tokenizer) throw new Error(`no tokenizer.json in ${model}`);
  const contents = await demoContributions();
  // One document of each Datanet's three: ceil(3 x 0.25).
  const held = heldOut(contents, HOLD_OUT_SEED, 0.25);
  const work = await mkdtemp(path.join(tmpdir(), "demo-adapters-"));
  const worker = spawnTrainingWorker();
  const evaluate = async (dataset: string, adapter?: string) => {
    const result = await startEvaluation(worker, {
      model,
      dataset,
      threads,
      ...(adapter ? { adapter } : {}),
    }).done;
    if (!result) throw new Error("evaluation cancelled");
    return result.loss;
  };
  try {
    // The held-out document of each Datanet, as the worker reads it.
    const evalFiles = new Map<string, string>();
    for (const [d, name] of DATANETS.entries()) {
      const docs = contents.filter((c) => c.datanetId === BigInt(d + 1) && held.has(c.id));
      const set = buildTrainingSet(docs, tokenizer, {
        maxTokens: MAX_TOKENS,
        seed: 0,
        evalFraction: 0,
      });
      const file = path.join(work, `eval-${name}.jsonl`);
      await writeExamples(file, set.train);
      evalFiles.set(name, file);
    }
    // One task at a time: the worker runs one (`busy` otherwise).
    const base: Record<string, number> = {};
    for (const n of DATANETS) base[n] = await evaluate(evalFiles.get(n) as string);
    log({ step: "base model held-out loss", ...base });
    const rows: Record<string, unknown>[] = [];
    for (const adapter of ADAPTERS) {
      const ids = adapter.datanets.map((n) => BigInt(DATANETS.indexOf(n) + 1));
      const docs = contents.filter((c) => ids.includes(c.datanetId) && !held.has(c.id));
      const set = buildTrainingSet(docs, tokenizer, {
        maxTokens: MAX_TOKENS,
        seed: adapter.seed,
        evalFraction: 0,
      });
      const dataset = path.join(work, `${adapter.name}.jsonl`);
      await writeExamples(dataset, set.train);
      const job = startTrainingJob(worker, {
        model,
        dataset,
        output_dir: path.join(work, adapter.name),
        lora: { r: adapter.rank, lora_alpha: 2 * adapter.rank, target_modules: [...TARGETS] },
        optimizer: { learning_rate: 1e-3, warmup_steps: 5, max_grad_norm: 1 },
        total_steps: steps,
        micro_batch_size: Math.min(4, set.train.length),
        seed: adapter.seed,
        threads,
      });
      for await (const event of job)
        if (event.event === "progress" && (event.step % 10 === 0 || event.step === 1))
          log({ adapter: adapter.name, step: event.step, loss: event.loss });
      const done = await job.done;
      if (!done.checkpoint) throw new Error(`${adapter.name}: no checkpoint`);
      const target = path.join(outDir, adapter.name);
      await rm(target, { recursive: true, force: true });
      await mkdir(target, { recursive: true });
      for (const file of ["adapter_config.json", "adapter_model.safetensors"])
        await cp(path.join(done.checkpoint.path, file), path.join(target, file));
      const after: Record<string, number> = {};
      for (const n of DATANETS)
        after[n] = await evaluate(evalFiles.get(n) as string, done.checkpoint.path);
      const row = {
        adapter: adapter.name,
        trainedOn: adapter.datanets.join(" + "),
        documents: docs.length,
        examples: set.train.length,
        steps,
        ...Object.fromEntries(
          DATANETS.flatMap((n) => [
            [`${n} before`, base[n]],
            [`${n} after`, after[n]],
          ]),
        ),
      };
      log(row);
      rows.push(row);
    }
    await writeFile(
      path.join(outDir, "training-results.json"),
      `${JSON.stringify({ model: path.relative(root, model), steps, holdOutSeed: HOLD_OUT_SEED, rows }, null, 2)}\n`,
    );
  } finally {
    await worker.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
