import { defineConfig } from "vitest/config";

// One vitest run covers every workspace; each package keeps its tests beside its code.
export default defineConfig({
  test: {
    // Two files at once, never two of one project (each sets fileParallelism: false): on two
    // cores the default is one worker, and the end-to-end files spend most of their time
    // waiting on anvil, the indexer and the engine, so an indexer file and an API file overlap.
    maxWorkers: 2,
    projects: [
      "contracts",
      "inference/pool",
      "agents",
      "indexer",
      "api",
      { test: { name: "root", include: ["scripts/**/*.test.ts"], testTimeout: 60_000 } },
    ],
  },
});
