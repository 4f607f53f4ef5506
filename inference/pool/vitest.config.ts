import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "pool",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each integration file runs real engine processes; on a 2-core machine one at a time.
    fileParallelism: false,
  },
});
