// …and the real schema, so the two runs differ only in their handlers.
export * from "../../ponder.schema.ts";
