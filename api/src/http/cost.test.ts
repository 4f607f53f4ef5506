import { parse } from "graphql";
import { createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { schema } from "../schema/index.ts";
import { costLimit, documentCost } from "./cost.ts";
import { LIMITS } from "./yoga.ts";

const cost = (query: string, variables?: Record<string, unknown>) =>
  documentCost(schema, parse(query), variables);

// Three connections deep at 100 a page: a million contributions from one anonymous request.
const FAN_OUT = `{ datanets(first: 100) { edges { node {
  contributions(first: 100) { edges { node {
    datanet { contributions(first: 100) { edges { node { contributionId } } } } } } } } } } }`;

describe("query cost", () => {
  it("multiplies by page sizes, so a fan-out to a million rows is over the limit", () => {
    expect(cost(FAN_OUT)).toBeGreaterThan(1_000_000);
    expect(cost(FAN_OUT)).toBeGreaterThan(LIMITS.cost);
    // The same shape at small pages is cheap.
    const small = FAN_OUT.replaceAll("first: 100", "first: 2");
    expect(cost(small)).toBeLessThan(100);
  });

  it("reads page sizes from variables, defaults and list arguments", () => {
    const q = `query($n: Int) { datanets(first: $n) { edges { node { validators { address } } } } }`;
    // 1 + n × (edges 1 + node 1 + validators (1 + 10 × 0)) = 1 + 3n
    expect(cost(q, { n: 5 })).toBe(16);
    expect(cost(q, {})).toBe(1 + 3 * 20);
    expect(cost(q, { n: 10_000 })).toBe(1 + 3 * 100);
    expect(cost(`{ nodes(ids: ["a", "b"]) { id } }`)).toBe(1 + 2 * 0);
  });

  it("leaves introspection and __typename free (GraphiQL's schema query)", () => {
    expect(cost(`{ __typename __schema { types { name fields { name } } } }`)).toBe(0);
  });

  it("refuses an operation over the limit before anything runs", async () => {
    const yoga = createYoga({ schema, plugins: [costLimit(LIMITS.cost)], logging: false });
    const response = await yoga.fetch("http://api/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: FAN_OUT }),
    });
    const body = await response.json();
    expect(body.data).toBeUndefined();
    expect(body.errors[0].extensions).toMatchObject({ code: "COST_LIMIT", maxCost: LIMITS.cost });
  });
});
