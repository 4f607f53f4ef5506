import { builder } from "../builder.ts";

/** Output-only JSON (EIP-712 payloads). */
export const JSONScalar = builder.scalarType("JSON", {
  description: "A JSON value (output only; integers inside are decimal strings).",
  serialize: (value) => value,
  parseValue: () => {
    throw new TypeError("JSON is output-only");
  },
});
