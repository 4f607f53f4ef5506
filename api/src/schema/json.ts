import { valueFromASTUntyped } from "graphql";
import { builder } from "../builder.ts";

/** A JSON value: EIP-712 payloads and receipts out, agent specs in. */
export const JSONScalar = builder.scalarType("JSON", {
  description:
    "A JSON value. In outputs, integers too large for a double are decimal strings; as an input (an agent spec), the value as sent (checked by the field that takes it).",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables ?? undefined),
});
