// The agent spec: its type, structural validation against `schema/agent-spec.schema.json`, and
// the canonical hash AgentStaking records. The JSON Schema is the single source of truth for
// shape and ranges; what needs the chain (ids that exist, one base model) is checked in
// `check-chain.ts`.
import { readFileSync } from "node:fs";
import { canonicalJsonHash } from "@tributary/contracts";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import type { Hex } from "viem";

export type RetrievalMode = "VECTOR" | "FULLTEXT" | "HYBRID";
export type AgentTool = "datanet_search" | "chain_state";

export interface AgentSpec {
  version: 1;
  name: string;
  description?: string;
  baseModel: string;
  ensemble: { adapter: string; weight: number }[];
  retrieval: { datanets: string[]; k: number; mode: RetrievalMode; minScore: number };
  systemPrompt: string;
  generation: { maxTokens: number; temperature: number; topP: number; stop?: string[] };
  price: { perCall: string; perOutputToken: string };
  tools: AgentTool[];
}

/** One reason a spec is refused, at a JSON Pointer into the spec (`/ensemble/1/weight`). */
export interface SpecProblem {
  field: string;
  message: string;
}

export class AgentSpecError extends Error {
  override readonly name = "AgentSpecError";
  constructor(readonly problems: SpecProblem[]) {
    super(
      `invalid agent spec: ${problems.map((p) => `${p.field || "/"}: ${p.message}`).join("; ")}`,
    );
  }
  /** The first offending field, for errors that name one. */
  get field(): string {
    return this.problems[0]?.field ?? "";
  }
}

export const agentSpecSchema: object = JSON.parse(
  readFileSync(new URL("../../../schema/agent-spec.schema.json", import.meta.url), "utf8"),
);

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateShape = ajv.compile(agentSpecSchema);

function problemOf(error: ErrorObject): SpecProblem {
  const extra =
    error.keyword === "additionalProperties"
      ? `/${(error.params as { additionalProperty: string }).additionalProperty}`
      : error.keyword === "required"
        ? `/${(error.params as { missingProperty: string }).missingProperty}`
        : "";
  const message =
    error.keyword === "additionalProperties"
      ? "is not a spec field"
      : error.keyword === "required"
        ? "is required"
        : (error.message ?? "is invalid");
  return { field: `${error.instancePath}${extra}`, message };
}

/** At most this many problems are reported for one spec (a huge spec could list thousands). */
export const MAX_SPEC_PROBLEMS = 20;

/** Checks `value` against the JSON Schema; returns it typed, or throws `AgentSpecError`. */
export function parseAgentSpec(value: unknown): AgentSpec {
  if (!validateShape(value)) {
    const seen = new Set<string>();
    const problems = (validateShape.errors ?? []).map(problemOf).filter((p) => {
      const key = `${p.field}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    throw new AgentSpecError(problems.slice(0, MAX_SPEC_PROBLEMS));
  }
  const spec = value as AgentSpec;
  const adapters = spec.ensemble.map((member) => member.adapter);
  const twice = adapters.findIndex((id, i) => adapters.indexOf(id) !== i);
  if (twice >= 0)
    throw new AgentSpecError([
      {
        field: `/ensemble/${twice}/adapter`,
        message: `adapter ${adapters[twice]} is listed twice`,
      },
    ]);
  return spec;
}

/** keccak256 of the spec's RFC 8785 canonical JSON: the `specHash` AgentStaking stores. */
export function specHash(spec: AgentSpec | unknown): Hex {
  return canonicalJsonHash(spec);
}
