import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSpecAgainstChain, type SpecModelRecord } from "./check-chain.ts";
import { type AgentSpec, AgentSpecError, parseAgentSpec, specHash } from "./spec.ts";

const demo = (): AgentSpec =>
  JSON.parse(
    readFileSync(new URL("../../../demo/agents/demo-agent.json", import.meta.url), "utf8"),
  );

function refusal(value: unknown): AgentSpecError {
  try {
    parseAgentSpec(value);
  } catch (error) {
    if (error instanceof AgentSpecError) return error;
    throw error;
  }
  throw new Error("the spec was accepted");
}

describe("parseAgentSpec", () => {
  it("accepts the demo agent", () => {
    expect(parseAgentSpec(demo()).ensemble).toHaveLength(2);
  });

  it.each([
    ["a weight of zero", (s: any) => (s.ensemble[1].weight = 0), "/ensemble/1/weight"],
    ["a negative weight", (s: any) => (s.ensemble[0].weight = -1), "/ensemble/0/weight"],
    ["an empty ensemble", (s: any) => (s.ensemble = []), "/ensemble"],
    ["k over 50", (s: any) => (s.retrieval.k = 51), "/retrieval/k"],
    ["an unknown mode", (s: any) => (s.retrieval.mode = "BM25"), "/retrieval/mode"],
    ["temperature over 2", (s: any) => (s.generation.temperature = 2.5), "/generation/temperature"],
    ["maxTokens of 0", (s: any) => (s.generation.maxTokens = 0), "/generation/maxTokens"],
    ["a fractional price", (s: any) => (s.price.perCall = "1.5"), "/price/perCall"],
    ["a numeric id", (s: any) => (s.baseModel = 1), "/baseModel"],
    ["an unknown tool", (s: any) => (s.tools = ["shell"]), "/tools/0"],
    ["an unknown field", (s: any) => (s.plugins = []), "/plugins"],
    ["a missing prompt", (s: any) => delete s.systemPrompt, "/systemPrompt"],
    [
      "the same adapter twice",
      (s: any) => (s.ensemble[1].adapter = s.ensemble[0].adapter),
      "/ensemble/1/adapter",
    ],
  ])("refuses %s, naming the field", (_name, mutate, field) => {
    const spec = demo();
    mutate(spec);
    const error = refusal(spec);
    expect(error.problems.map((p) => p.field)).toContain(field);
  });

  it("hashes the canonical form: key order and spacing do not matter, values do", () => {
    const spec = demo();
    const reordered = JSON.parse(
      JSON.stringify(Object.fromEntries(Object.entries(spec).reverse()), null, 4),
    );
    expect(specHash(reordered)).toBe(specHash(spec));
    expect(specHash({ ...spec, systemPrompt: `${spec.systemPrompt} ` })).not.toBe(specHash(spec));
  });
});

describe("checkSpecAgainstChain", () => {
  const models = new Map<bigint, SpecModelRecord>([
    [1n, { kind: "BaseModel", status: "Active", baseModelId: null }],
    [2n, { kind: "Adapter", status: "Active", baseModelId: 1n }],
    [3n, { kind: "Adapter", status: "Active", baseModelId: 1n }],
    [4n, { kind: "Adapter", status: "Deprecated", baseModelId: 1n }],
    [5n, { kind: "BaseModel", status: "Active", baseModelId: null }],
    [6n, { kind: "Adapter", status: "Active", baseModelId: 5n }],
  ]);
  const view = {
    model: async (id: bigint) => models.get(id) ?? null,
    datanetExists: async (id: bigint) => id === 1n || id === 2n,
  };

  it("accepts references the chain backs", async () => {
    await expect(checkSpecAgainstChain(demo(), view)).resolves.toBeUndefined();
  });

  it("names every reference it refuses", async () => {
    const spec = demo();
    spec.ensemble = [
      { adapter: "4", weight: 1 },
      { adapter: "6", weight: 1 },
      { adapter: "99", weight: 1 },
      { adapter: "5", weight: 1 },
    ];
    spec.retrieval.datanets = ["1", "7"];
    const error = await checkSpecAgainstChain(spec, view).catch((e) => e);
    expect(error).toBeInstanceOf(AgentSpecError);
    expect(error.problems).toEqual([
      { field: "/ensemble/0/adapter", message: "adapter 4 is deprecated" },
      {
        field: "/ensemble/1/adapter",
        message: "adapter 6 belongs to base model 5, not 1",
      },
      { field: "/ensemble/2/adapter", message: "no adapter 99 is registered" },
      { field: "/ensemble/3/adapter", message: "no adapter 5 is registered" },
      { field: "/retrieval/datanets/1", message: "no Datanet 7 exists" },
    ]);
  });

  it("refuses an adapter id as the base model", async () => {
    const error = await checkSpecAgainstChain({ ...demo(), baseModel: "2" }, view).catch((e) => e);
    expect(error.field).toBe("/baseModel");
  });
});
