import { defineConfig } from "vitest/config";

// One vitest run covers every workspace; each package keeps its tests beside its code.
export default defineConfig({
  test: {
    // Two workers (the default on two cores is one) for the projects whose files may overlap:
    // contracts, agents, root. The end-to-end projects (pool, indexer, api) set
    // fileParallelism: false, and vitest 4 runs all such files in one sequential group, so they
    // never overlap each other, even across projects: `npm test` runs the indexer's files in a
    // second vitest process beside the rest (scripts/test-vitest.ts).
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
