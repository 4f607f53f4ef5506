import { defineConfig } from "vitest/config";

// One vitest run covers every workspace; each package keeps its tests beside its code.
export default defineConfig({
  test: {
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
