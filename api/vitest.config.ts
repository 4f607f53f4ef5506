import { createRequire } from "node:module";
import { defineProject } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineProject({
  resolve: {
    // Node loads graphql's CJS entry for Pothos and Yoga; vite would pick `module` (index.mjs):
    // two copies of graphql ("from another module or realm"). Point both at the CJS one.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    name: "api",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // Two shared cores: the end-to-end suites each start anvil and an indexer.
    fileParallelism: false,
  },
});
