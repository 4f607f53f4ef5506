import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "indexer",
    include: ["test/**/*.test.ts"],
    // Each file boots anvil and real `ponder start` processes: run files one at a time.
    fileParallelism: false,
    // Generous: CI runs both database modes beside the other group on 2 cores, where a sync
    // takes twice what it does alone; a timeout there failed the run with no visible cause.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    env: { PONDER_TELEMETRY_DISABLED: "true" },
  },
});
