// autocannon as a child process (its CLI with --json), shared by the API benchmarks: the API runs
// in the bench's own process, so load generated there, even in a worker thread whose start-up
// blocks that event loop, would add to the API's latencies a cost a separate server never pays.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import type autocannon from "autocannon";

export interface LoadOptions {
  connections: number;
  seconds: number;
  /** autocannon's own worker threads (0: none). */
  workers?: number;
  headers?: Record<string, string>;
}

export async function autocannonProcess(
  url: string,
  body: { query: string; variables: Record<string, unknown> },
  { connections, seconds, workers = 0, headers = {} }: LoadOptions,
): Promise<autocannon.Result> {
  const args = [
    createRequire(import.meta.url).resolve("autocannon/autocannon.js"),
    "--json",
    "-c",
    String(connections),
    "-d",
    String(seconds),
    "-m",
    "POST",
    "-H",
    "content-type=application/json",
    ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}=${v}`]),
    "-b",
    JSON.stringify(body),
    ...(workers > 0 ? ["-w", String(workers)] : []),
    url,
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk) => {
    out += chunk;
  });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`autocannon exited with ${code}`);
  return JSON.parse(out) as autocannon.Result;
}
