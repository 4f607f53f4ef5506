// `npm test`'s vitest step: the indexer's files and everyone else's run as two vitest processes
// side by side. Vitest 4 puts every file of every project with `fileParallelism: false` into one
// sequential group, so within one process an indexer file never overlaps an API file; their
// end-to-end files mostly wait on anvil, Ponder and the engine, so two processes share two cores
// well. Arguments (e.g. `-t name`) go to both. Exits non-zero when either fails.
import { spawn } from "node:child_process";
import { repoRoot } from "./endpoints.ts";

/** Every project in vitest.config.ts, in two groups. */
const GROUPS: Record<string, string[]> = {
  indexer: ["indexer"],
  rest: ["contracts", "pool", "agents", "api", "root"],
};

/** A filter (`npm test -- -t name`) may match files of one group only: the other passes empty. */
const filters = process.argv.slice(2);
if (filters.length > 0) filters.push("--passWithNoTests");

function run(label: string, projects: string[]): Promise<number> {
  const args = ["vitest", "run", ...projects.flatMap((p) => ["--project", p]), ...filters];
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
      for (const line of lines) out.write(`[${label}] ${line}\n`);
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

const codes = await Promise.all(Object.entries(GROUPS).map(([label, p]) => run(label, p)));
for (const [i, label] of Object.keys(GROUPS).entries())
  process.stdout.write(`[${label}] vitest exited ${codes[i]}\n`);
process.exit(codes.some((code) => code !== 0) ? 1 : 0);
