import { describe, expect, it } from "vitest";
import type { Context } from "../context.ts";
import { ID_LIMIT, loadByKey, parseId } from "./common.ts";

/** A reader whose only query records the ids it was asked for and finds `known`. */
function fakeContext(known: bigint[]) {
  const asked: unknown[][] = [];
  const db = {
    select: () => ({
      from: () => ({
        where: async (condition: { queryChunks?: unknown[] }) => {
          // drizzle's inArray(column, values) keeps the values as one param chunk.
          const values = JSON.stringify(condition, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
          const ids = [...values.matchAll(/"(\d+)n"/g)].map((m) => BigInt(m[1] as string));
          asked.push(ids);
          return known.filter((id) => ids.includes(id)).map((id) => ({ id }));
        },
      }),
    }),
  };
  return { ctx: { reader: { db } } as unknown as Context, asked };
}

describe("loadByKey", () => {
  const load = loadByKey<{ id: bigint }, bigint>(
    "Contribution",
    {} as never,
    {} as never,
    (row) => row.id,
    parseId,
  );

  it("answers ids of 2^63 and up as a plain null (not found) without querying for them", async () => {
    const { ctx, asked } = fakeContext([7n]);
    const result = await load(["7", (2n ** 64n).toString(), ID_LIMIT, ID_LIMIT - 1n], ctx);
    expect(result[0]).toEqual({ id: 7n });
    for (const r of result.slice(1)) expect(r).toBeNull();
    expect(asked.flat()).not.toContain(2n ** 64n);
    expect(asked.flat()).not.toContain(ID_LIMIT);
    expect(asked.flat()).toContain(ID_LIMIT - 1n);
  });

  it("makes no query when every id is out of range", async () => {
    const { ctx, asked } = fakeContext([]);
    const result = await load([(2n ** 200n).toString()], ctx);
    expect(result[0]).toBeNull();
    expect(asked).toEqual([]);
  });
});
