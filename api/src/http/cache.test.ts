import { createSchema, createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import type { Context } from "../context.ts";
import { chainReadCache } from "./cache.ts";

/** A schema with one chain-read root field whose answers are `size` characters of text. */
function app(options: Parameters<typeof chainReadCache>[1]) {
  const listeners = new Set<() => void>();
  const cache = chainReadCache(
    {
      onTick: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    options,
  );
  let executions = 0;
  let gate: Promise<void> | undefined;
  const yoga = createYoga<object, Context>({
    schema: createSchema({
      typeDefs: `type Query { contribution(contributionId: Int!, size: Int!): String, secret: String }`,
      resolvers: {
        Query: {
          secret: () => {
            executions++;
            return "per-caller";
          },
          contribution: async (_: unknown, args: { contributionId: number; size: number }) => {
            executions++;
            await gate;
            return `${args.contributionId}:`.padEnd(args.size, "x");
          },
        },
      },
    }),
    plugins: [cache],
  });
  const ask = async (id: number, size: number, comment = "") => {
    const response = await yoga.fetch("http://cache.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `query($id: Int!, $n: Int!) { contribution(contributionId: $id, size: $n) } ${comment}`,
        variables: { id, n: size },
      }),
    });
    return ((await response.json()) as { data: { contribution: string } }).data.contribution;
  };
  const send = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await yoga.fetch("http://cache.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data: Record<string, unknown> };
  };
  return {
    cache,
    ask,
    send,
    executions: () => executions,
    /** Holds every execution until the returned function is called. */
    hold: () => {
      let release = () => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        gate = undefined;
        release();
      };
    },
    tick: () => {
      for (const listener of listeners) listener();
    },
  };
}

describe("anonymous response cache", () => {
  it("keeps its answers within a character budget across all entries", async () => {
    const budget = 1024 * 1024;
    const t = app({ maxChars: budget });
    // 150 distinct 60 K answers (each under the per-answer limit), each its own entry: 9 M
    // characters without a total budget.
    for (let i = 0; i < 150; i++) {
      expect(await t.ask(i, 60_000, `# ${i}`)).toMatch(new RegExp(`^${i}:x+$`));
      expect(t.cache.stats().chars).toBeLessThanOrEqual(budget);
    }
    const { entries, chars } = t.cache.stats();
    expect(entries).toBeGreaterThan(10);
    expect(entries).toBeLessThanOrEqual(Math.floor(budget / 60_000));
    expect(chars).toBeGreaterThan(budget - 2 * 60_500);
    // The newest answers are still served from memory; the oldest run again, correctly.
    const runs = t.executions();
    expect(await t.ask(149, 60_000, "# 149")).toMatch(/^149:x+$/);
    expect(t.executions()).toBe(runs);
    expect(await t.ask(0, 60_000, "# 0")).toMatch(/^0:x+$/);
    expect(t.executions()).toBe(runs + 1);
  });

  it("counts many small answers too, and empties on a tick", async () => {
    const t = app({ maxChars: 64 * 1024, maxTextEntries: 4096 });
    for (let i = 0; i < 1000; i++) await t.ask(i, 10, `# ${i}`);
    // Each answer is charged its length plus a per-entry overhead.
    expect(t.cache.stats().chars).toBeLessThanOrEqual(64 * 1024);
    expect(t.cache.stats().entries).toBeLessThan(1000);
    t.tick();
    expect(t.cache.stats()).toEqual({ entries: 0, chars: 0 });
  });

  it("never keeps more than the default budget, whatever the entry counts allow", async () => {
    const t = app({});
    for (let i = 0; i < 300; i++) await t.ask(i, 64_000, `# ${i}`);
    expect(t.cache.stats().chars).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(t.cache.stats().entries).toBeLessThan(300);
  });

  it("caches documents with named and inline fragments at the root, as Relay and Apollo send them", async () => {
    const t = app({});
    const query = `query Q($id: Int!) { ...Root } fragment Root on Query { ... on Query { contribution(contributionId: $id, size: 8) } }`;
    const first = await t.send(query, { id: 7 });
    expect(first.data.contribution).toBe("7:xxxxxx");
    expect(await t.send(query, { id: 7 })).toEqual(first);
    expect(t.executions()).toBe(1);
    // A fragment that reaches a field outside the chain reads is never cached.
    const mixed =
      "{ ...Mixed } fragment Mixed on Query { secret contribution(contributionId: 1, size: 4) }";
    await t.send(mixed);
    await t.send(mixed);
    expect(t.executions()).toBe(5);
  });

  it("runs identical requests once per tick, even when a tick lands while they wait", async () => {
    const { ask, executions, hold, tick } = app({});
    const release = hold();
    const waiting = Array.from({ length: 20 }, () => ask(7, 8));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(executions()).toBe(1);
    // The first answer now spans a tick: not kept, and its 19 waiters must not each run.
    tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect(await Promise.all(waiting)).toEqual(Array(20).fill("7:xxxxxx"));
    expect(executions()).toBe(2);
    await ask(7, 8);
    expect(executions()).toBe(2);
  });

  it("drops answers older than the max age when ticks stop", async () => {
    const t = app({ maxAgeMs: 50 });
    await t.ask(1, 10);
    await t.ask(1, 10);
    expect(t.executions()).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    await t.ask(1, 10);
    expect(t.executions()).toBe(2);
  });
});
