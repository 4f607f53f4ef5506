import { defineConfig } from "drizzle-kit";

// `npx drizzle-kit generate` (from api/) writes a new migration after a change to src/db/schema.ts.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./drizzle",
  schemaFilter: ["app"],
});
