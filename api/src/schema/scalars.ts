import { GraphQLError, Kind } from "graphql";
import { getAddress, isAddress, isHex } from "viem";
import { builder } from "../builder.ts";

const UINT256_MAX = 2n ** 256n - 1n;
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

function parseUint(value: unknown, name: string): bigint {
  const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== "string" || !DECIMAL.test(text)) {
    throw new GraphQLError(`${name} must be a non-negative decimal integer string`);
  }
  const parsed = BigInt(text);
  if (parsed > UINT256_MAX) throw new GraphQLError(`${name} exceeds uint256`);
  return parsed;
}

const literal =
  <T>(name: string, parse: (value: unknown) => T) =>
  (ast: { kind: string; value?: unknown }): T => {
    if (ast.kind !== Kind.STRING && ast.kind !== Kind.INT) {
      throw new GraphQLError(`${name} must be a string literal`);
    }
    return parse(ast.value);
  };

const uintScalar = (name: "TokenAmount" | "BigInt", description: string) =>
  builder.scalarType(name, {
    description,
    serialize: (value) => String(value),
    parseValue: (value) => parseUint(value, name),
    parseLiteral: literal(name, (v) => parseUint(v, name)),
  });

uintScalar(
  "TokenAmount",
  'A token amount in the token\'s smallest unit (18 decimals), as an exact decimal string, e.g. "1500000000000000000" for 1.5 tokens.',
);
uintScalar(
  "BigInt",
  "A non-negative integer up to 2^256−1 (shares, block numbers), as an exact decimal string.",
);

function parseAddress(value: unknown) {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new GraphQLError("Address must be a 20-byte hex string (0x…)");
  }
  return getAddress(value);
}

builder.scalarType("Address", {
  description: "An Ethereum address, EIP-55 checksummed on output; any case accepted on input.",
  serialize: (value) => getAddress(String(value)),
  parseValue: parseAddress,
  parseLiteral: literal("Address", parseAddress),
});

function parseHex(value: unknown, bytes: number | null, name: string) {
  if (typeof value !== "string" || !isHex(value, { strict: true })) {
    throw new GraphQLError(`${name} must be a 0x-prefixed hex string`);
  }
  if (value.length % 2 !== 0)
    throw new GraphQLError(`${name} must have an even number of hex digits`);
  if (bytes !== null && value.length !== 2 + bytes * 2) {
    throw new GraphQLError(`${name} must be exactly ${bytes} bytes`);
  }
  if (bytes === null && value.length > 2 + 2 * 128 * 1024)
    throw new GraphQLError(`${name} is too long`);
  return value.toLowerCase() as `0x${string}`;
}

builder.scalarType("Bytes32", {
  description: "32 bytes as 0x-prefixed lowercase hex (hashes, Merkle roots).",
  serialize: (value) => String(value).toLowerCase(),
  parseValue: (value) => parseHex(value, 32, "Bytes32"),
  parseLiteral: literal("Bytes32", (v) => parseHex(v, 32, "Bytes32")),
});

builder.scalarType("Bytes", {
  description:
    "Arbitrary bytes as 0x-prefixed lowercase hex (calldata, signatures, signed transactions).",
  serialize: (value) => String(value).toLowerCase(),
  parseValue: (value) => parseHex(value, null, "Bytes"),
  parseLiteral: literal("Bytes", (v) => parseHex(v, null, "Bytes")),
});

function parseDate(value: unknown) {
  const date = typeof value === "string" ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime()))
    throw new GraphQLError("DateTime must be an ISO-8601 string");
  return date;
}

builder.scalarType("DateTime", {
  description:
    "A point in time as an ISO-8601 UTC string (block timestamps have second precision).",
  serialize: (value) =>
    value instanceof Date ? value.toISOString() : new Date(Number(value) * 1000).toISOString(),
  parseValue: parseDate,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError("DateTime must be a string literal");
    return parseDate(ast.value);
  },
});
