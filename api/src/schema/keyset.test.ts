// Keyset pagination on PGlite, over the real tables' columns (the indexer's numeric(78) bigints,
// text and nullable keys; the app's timestamps): pages stay put while rows arrive or leave ahead
// of the cursor, ties and NULLs cross page boundaries, and forged cursors are refused.
import { PGlite } from "@electric-sql/pglite";
import * as t from "@tributary/indexer/schema";
import { inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { invocation } from "../db/schema.ts";
import { InvalidInputError } from "../errors.ts";
import { type ConnectionArgs, paginate, type SortKey, sortBy } from "./keyset.ts";

const client = new PGlite();
// As the readers name the indexer's columns.
const db = drizzle(client, { casing: "snake_case" });

const newestFirst = sortBy("DESC", t.model.blockNumber, t.model.id);
const columns = {
  id: t.model.id,
  name: t.model.name,
  pricePerCall: t.model.pricePerCall,
  blockNumber: t.model.blockNumber,
  version: t.model.version,
};
type Model = { id: bigint; name: string; pricePerCall: bigint | null; blockNumber: bigint };

const models = (args: ConnectionArgs, keys: SortKey[] = newestFirst) =>
  paginate(args, keys, (page) =>
    db
      .select(columns)
      .from(t.model)
      .where(page.where)
      .orderBy(...page.orderBy)
      .limit(page.limit),
  );

const ids = (page: { edges: readonly ({ node: Model } | null | undefined)[] }) =>
  page.edges.map((edge) => Number(edge?.node.id));

/** Models from..to; block ⌈id / perBlock⌉, price NULL for every third, ties in name and version. */
async function insert(from: number, to: number, perBlock = 1) {
  const rows = Array.from({ length: to - from + 1 }, (_, i) => {
    const id = from + i;
    return sql`(${id}, ${`m${id % 4}`}, ${id % 3 === 0 ? null : (id * 7) % 5}, ${Math.ceil(id / perBlock)}, ${id % 2})`;
  });
  await db.execute(
    sql`INSERT INTO model (id, name, price_per_call, block_number, version) VALUES ${sql.join(rows, sql`, `)}`,
  );
}

/** Every row, page by page forwards (`first`/`after`) or backwards (`last`/`before`). */
async function walk(keys: SortKey[], size: number, backwards = false) {
  const seen: number[] = [];
  let cursor: string | null | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await models(
      backwards ? { last: size, before: cursor } : { first: size, after: cursor },
      keys,
    );
    seen.splice(backwards ? 0 : seen.length, 0, ...ids(page));
    const more = backwards ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    if (!more) return seen;
    cursor = backwards ? page.pageInfo.startCursor : page.pageInfo.endCursor;
  }
  throw new Error("did not end");
}

/** The whole list in one query, as Postgres orders it. */
const ordered = async (keys: SortKey[]) =>
  (await models({ first: 100 }, keys)).edges.map((edge) => Number(edge?.node.id));

beforeAll(async () => {
  await client.exec(`
    CREATE TABLE model (
      id numeric(78) PRIMARY KEY, name text NOT NULL, price_per_call numeric(78),
      block_number numeric(78) NOT NULL, version integer NOT NULL);
    CREATE SCHEMA app;
    CREATE TABLE app.invocation (
      payer text NOT NULL, request_id text NOT NULL, completed_at timestamptz,
      PRIMARY KEY (payer, request_id));`);
});
beforeEach(() => client.exec("TRUNCATE model; TRUNCATE app.invocation"));
afterAll(() => client.close());

describe("keyset pagination on a newest-first feed", () => {
  it("continues after the cursor's row when new rows arrive at the head (an offset repeats rows)", async () => {
    await insert(1, 10);
    const first = await models({ first: 3 });
    expect(ids(first)).toEqual([10, 9, 8]);
    await insert(11, 12);
    const second = await models({ first: 3, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual([7, 6, 5]);
    expect(second.pageInfo.hasPreviousPage).toBe(true);
    expect(second.pageInfo.hasNextPage).toBe(true);
  });

  it("continues after the cursor's row when rows before it are deleted (an offset skips rows)", async () => {
    await insert(1, 10);
    const first = await models({ first: 3 });
    // A reorg reverts the newest rows, the cursor's own included.
    await db.delete(t.model).where(inArray(t.model.id, [10n, 9n, 8n]));
    const second = await models({ first: 3, after: first.pageInfo.endCursor });
    expect(ids(second)).toEqual([7, 6, 5]);
  });

  it("pages backwards with last and before, the page in list order", async () => {
    await insert(1, 10);
    const tail = await models({ last: 3 });
    expect(ids(tail)).toEqual([3, 2, 1]);
    expect(tail.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    await insert(11, 11);
    const before = await models({ last: 3, before: tail.pageInfo.startCursor });
    expect(ids(before)).toEqual([6, 5, 4]);
    expect(before.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const between = await models({
      first: 10,
      after: (await models({ first: 2 })).pageInfo.endCursor,
      before: before.pageInfo.startCursor,
    });
    expect(ids(between)).toEqual([9, 8, 7]);
  });

  it("keeps 20 rows per page by default and at most 100", async () => {
    await insert(1, 130);
    expect(ids(await models({}))).toHaveLength(20);
    expect(ids(await models({ first: 500 }))).toHaveLength(100);
    expect(ids(await models({ last: 500 }))).toHaveLength(100);
  });

  it("answers an empty page with the cursor it was given", async () => {
    await insert(1, 2);
    const all = await models({ first: 2 });
    const after = await models({ first: 2, after: all.pageInfo.endCursor });
    expect(ids(after)).toEqual([]);
    expect(after.pageInfo.endCursor).toBe(all.pageInfo.endCursor);
    expect(ids(await models({ first: 2, after: "" }))).toEqual([2, 1]);
  });
});

describe("keyset pagination across ties and NULLs", () => {
  const orders: [string, SortKey[]][] = [
    ["block descending, ties broken by id", newestFirst],
    ["block ascending", sortBy("ASC", t.model.blockNumber, t.model.id)],
    ["nullable price ascending (NULLs last)", sortBy("ASC", t.model.pricePerCall, t.model.id)],
    ["nullable price descending (NULLs first)", sortBy("DESC", t.model.pricePerCall, t.model.id)],
    [
      "nullable price descending, id ascending",
      [...sortBy("DESC", t.model.pricePerCall), ...sortBy("ASC", t.model.id)],
    ],
    ["text with ties, then block", sortBy("ASC", t.model.name, t.model.blockNumber, t.model.id)],
    ["integer with ties", [...sortBy("ASC", t.model.version), ...sortBy("DESC", t.model.id)]],
    [
      "text descending, block ascending, id descending",
      [
        ...sortBy("DESC", t.model.name),
        ...sortBy("ASC", t.model.blockNumber),
        ...sortBy("DESC", t.model.id),
      ],
    ],
  ];

  for (const [name, keys] of orders)
    it(`visits every row once in order by ${name}, forwards and backwards`, async () => {
      // Four rows per block: equal sort keys straddle page boundaries of 3.
      await insert(1, 23, 4);
      const expected = await ordered(keys);
      expect(expected).toHaveLength(23);
      expect(await walk(keys, 3)).toEqual(expected);
      expect(await walk(keys, 3, true)).toEqual(expected);
    });

  it("orders by timestamps with ties, as the receipts list does", async () => {
    // Three calls per millisecond, from two payers.
    const rows = Array.from({ length: 9 }, (_, i) => {
      const at = new Date(Date.UTC(2025, 0, 1) + Math.floor(i / 3)).toISOString();
      return sql`(${`0x${i % 2}`}, ${`r${i}`}, ${at})`;
    });
    await db.execute(
      sql`INSERT INTO app.invocation (payer, request_id, completed_at) VALUES ${sql.join(rows, sql`, `)}`,
    );
    const keys = sortBy("DESC", invocation.completedAt, invocation.payer, invocation.requestId);
    const calls = (args: ConnectionArgs) =>
      paginate(args, keys, (page) =>
        db
          .select({
            payer: invocation.payer,
            requestId: invocation.requestId,
            completedAt: invocation.completedAt,
          })
          .from(invocation)
          .where(page.where)
          .orderBy(...page.orderBy)
          .limit(page.limit),
      );
    const seen: string[] = [];
    let after: string | null | undefined;
    do {
      const page = await calls({ first: 2, after });
      seen.push(...page.edges.map((edge) => `${edge?.node.requestId}`));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
    } while (after);
    expect(seen).toEqual(["r7", "r8", "r6", "r5", "r3", "r4", "r1", "r2", "r0"]);
  });
});

describe("keyset cursors", () => {
  const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const refused = async (args: ConnectionArgs, keys: SortKey[] = newestFirst) => {
    const error = await models(args, keys).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, JSON.stringify(args)).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  };

  it("are opaque base64url strings that round-trip", async () => {
    await insert(1, 3);
    const page = await models({ first: 1 });
    expect(page.pageInfo.endCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(ids(await models({ first: 1, after: page.pageInfo.endCursor }))).toEqual([2]);
  });

  it("refuses a malformed or forged cursor with InvalidInputError naming the argument, before any SQL", async () => {
    await insert(1, 3);
    const error = await refused({ after: "not a cursor" });
    expect(error.field).toBe("after");
    expect(error.message).toMatch(/not a cursor of this list/);
    expect((await refused({ last: 1, before: "%%%" })).field).toBe("before");
    for (const forged of [
      {},
      [],
      ["3"],
      ["3", "3", "3"],
      [3, 3],
      ["3", null],
      [null, "3"],
      ["1e3", "3"],
      ["3", "0x10"],
      ["3", "9".repeat(79)],
      ["3", " 3"],
    ])
      await refused({ after: cursor(forged) });
    const byName = sortBy("ASC", t.model.name, t.model.id);
    await refused({ after: cursor(["a\u0000", "1"]) }, byName);
    await refused({ after: cursor([null, "1"]) }, byName);
    const byVersion = sortBy("ASC", t.model.version, t.model.id);
    for (const version of [2 ** 31, 1.5, "1"])
      await refused({ after: cursor([version, "1"]) }, byVersion);
    const byTime = sortBy("DESC", invocation.completedAt, invocation.payer, invocation.requestId);
    for (const time of ["2025-02-30T00:00:00.000Z", "+275760-01-01T00:00:00.000Z", "yesterday"])
      await expect(
        paginate({ after: cursor([time, "a", "b"]) }, byTime, async () => []),
      ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("takes the largest values the columns hold, and NULL in a nullable key", async () => {
    await insert(1, 3);
    const max = "9".repeat(78);
    expect(ids(await models({ after: cursor([max, max]) }))).toEqual([3, 2, 1]);
    const byPrice = sortBy("ASC", t.model.pricePerCall, t.model.id);
    // Model 3's price is NULL: the last in ascending order.
    expect(ids(await models({ before: cursor([null, "3"]), last: 5 }, byPrice))).toEqual([1, 2]);
  });

  it("refuses a negative page size", async () => {
    expect((await refused({ first: -1 })).field).toBe("first");
    expect((await refused({ last: -1 })).field).toBe("last");
  });
});
