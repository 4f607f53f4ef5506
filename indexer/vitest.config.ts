import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "indexer",
    include: ["test/**/*.test.ts"],
    // Each file boots anvil and real `ponder start` processes: run files one at a time.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    env: { PONDER_TELEMETRY_DISABLED: "true" },
  },
});
