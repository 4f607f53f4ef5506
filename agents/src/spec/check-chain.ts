// The half of spec validation that needs the chain: ids that exist, adapters that are live and
// belong to the spec's base model, Datanets that exist. Read through the indexer.
import { type AgentSpec, AgentSpecError, type SpecProblem } from "./spec.ts";

export interface SpecModelRecord {
  kind: "BaseModel" | "Adapter";
  status: "Active" | "Deprecated";
  /** Adapters only. */
  baseModelId: bigint | null;
}

export interface SpecChainView {
  model(id: bigint): Promise<SpecModelRecord | null>;
  datanetExists(id: bigint): Promise<boolean>;
}

/** Throws `AgentSpecError` listing every reference of `spec` the chain does not back. */
export async function checkSpecAgainstChain(spec: AgentSpec, chain: SpecChainView): Promise<void> {
  const problems: SpecProblem[] = [];
  const baseId = BigInt(spec.baseModel);
  const base = await chain.model(baseId);
  if (base?.kind !== "BaseModel")
    problems.push({
      field: "/baseModel",
      message: `no base model ${spec.baseModel} is registered`,
    });
  else if (base.status === "Deprecated")
    problems.push({ field: "/baseModel", message: `base model ${spec.baseModel} is deprecated` });
  for (const [i, member] of spec.ensemble.entries()) {
    const field = `/ensemble/${i}/adapter`;
    const adapter = await chain.model(BigInt(member.adapter));
    if (adapter?.kind !== "Adapter")
      problems.push({ field, message: `no adapter ${member.adapter} is registered` });
    else if (adapter.status === "Deprecated")
      problems.push({ field, message: `adapter ${member.adapter} is deprecated` });
    else if (adapter.baseModelId !== baseId)
      problems.push({
        field,
        message: `adapter ${member.adapter} belongs to base model ${adapter.baseModelId}, not ${spec.baseModel}`,
      });
  }
  for (const [i, id] of spec.retrieval.datanets.entries()) {
    if (!(await chain.datanetExists(BigInt(id))))
      problems.push({ field: `/retrieval/datanets/${i}`, message: `no Datanet ${id} exists` });
  }
  if (problems.length > 0) throw new AgentSpecError(problems);
}
