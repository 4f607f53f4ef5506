import { defineProject } from "vitest/config";

// The seeded reorg suite is left out of the default run until a known failure is fixed: after
// some depth-8 reorgs the event log matches the chain but some `token_holder` balances stay
// stale (see indexer/README.md, "Known issues"). Run it with `npm run test:reorg -w indexer`.
const reorgSuite = "test/reorg.test.ts";
const runReorgs = process.env.INDEXER_REORG_SUITE === "1";

export default defineProject({
  test: {
    name: "indexer",
    include: runReorgs ? [reorgSuite] : ["test/**/*.test.ts"],
    exclude: runReorgs ? [] : [reorgSuite],
    // Each file boots anvil and real `ponder start` processes: run files one at a time.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    env: { PONDER_TELEMETRY_DISABLED: "true" },
  },
});
