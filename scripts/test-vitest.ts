// `npm test`'s vitest step: two vitest processes side by side, each running its list of vitest
// runs one after another. Vitest 4 puts every file of every project with `fileParallelism: false`
// into one sequential group, so within one process an indexer file never overlaps an API file;
// their end-to-end files mostly wait on anvil, Ponder and the engine, so two processes share two
// cores well. The groups are balanced by measured time: the indexer's files (about 640 s on the
// 2-core machine) then three long API files (rag-attack, about 350 s with publish and
// training), against all the rest (about 1,140 s in a fresh clone on 2026-12-05). Arguments (e.g. `-t name`) go to every run. Exits non-zero when any run fails.
import { spawn } from "node:child_process";
import { repoRoot } from "./endpoints.ts";

const RAG_ATTACK = "api/test/rag-attack.e2e.test.ts";
const PUBLISH = "api/test/publish.e2e.test.ts";
const TRAINING = "api/test/training.e2e.test.ts";

/** One vitest run: its projects, and the files it is limited to or leaves out. */
interface Run {
  projects: string[];
  files?: string[];
  exclude?: string[];
}

/** Every project in vitest.config.ts, every file once, in two groups of sequential runs. */
const GROUPS: Record<string, Run[]> = {
  indexer: [
    { projects: ["indexer"] },
    { projects: ["api"], files: [RAG_ATTACK, PUBLISH, TRAINING] },
  ],
  rest: [
    {
      projects: ["contracts", "pool", "agents", "api", "root"],
      exclude: [RAG_ATTACK, PUBLISH, TRAINING].map((file) => `**/${file.split("/").pop()}`),
    },
  ],
};

/** A filter (`npm test -- -t name`) may match files of one group only: the other passes empty. */
const filters = process.argv.slice(2);
if (filters.length > 0) filters.push("--passWithNoTests");

/**
 * Lines that name a failure, kept to print again at the very end: CI shows only the tail of a
 * long log, where the two groups' passing files would otherwise bury the one that failed.
 */
const failures: string[] = [];
const FAILURE_LINE = /(\bFAIL\b|\u00d7|AssertionError|Unhandled|Test timed out|Failed Tests)/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: vitest colours its report with ANSI escapes
const ANSI = /\u001b\[[0-9;]*m/g;

function run(label: string, { projects, files = [], exclude = [] }: Run): Promise<number> {
  const args = [
    "vitest",
    "run",
    ...projects.flatMap((p) => ["--project", p]),
    ...exclude.flatMap((glob) => ["--exclude", glob]),
    ...files,
    ...filters,
  ];
  const child = spawn("npx", args, {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Whole lines, each prefixed with its group: the two reports interleave line by line.
  const prefix = (stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) => {
    let pending = "";
    stream.on("data", (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        out.write(`[${label}] ${line}\n`);
        const plain = line.replace(ANSI, "");
        if (FAILURE_LINE.test(plain) && failures.length < 200) failures.push(`[${label}] ${plain}`);
      }
    });
    stream.on("end", () => {
      if (pending) out.write(`[${label}] ${pending}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  return new Promise((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
}

/** A group's runs one after another (all of them, even after a failure); its worst exit code. */
async function runGroup(label: string, runs: Run[]): Promise<number> {
  let worst = 0;
  for (const r of runs) worst = Math.max(worst, await run(label, r));
  return worst;
}

const codes = await Promise.all(
  Object.entries(GROUPS).map(([label, runs]) => runGroup(label, runs)),
);
if (failures.length > 0) {
  process.stdout.write("\n--- lines that name a failure, again ---\n");
  for (const line of failures) process.stdout.write(`${line}\n`);
}
for (const [i, label] of Object.keys(GROUPS).entries())
  process.stdout.write(`[${label}] vitest exited ${codes[i]}\n`);
process.exit(codes.some((code) => code !== 0) ? 1 : 0);
