// Agent specs as this service stores them: validated against the JSON Schema and the chain,
// stored by canonical hash (content-addressed), with the adapters and Datanets each uses indexed
// for the composition listing.
import {
  type AgentSpec,
  AgentSpecError,
  checkSpecAgainstChain,
  parseAgentSpec,
  type SpecChainView,
  specHash,
} from "@tributary/agents";
import * as t from "@tributary/indexer/schema";
import { eq } from "drizzle-orm";
import type { Hex } from "viem";
import type { AppDb } from "../db/index.ts";
import { agentSpec, agentSpecPart } from "../db/schema.ts";
import { INT8_LIMIT } from "../rag/upload.ts";
import type { ChainReader } from "../reader/index.ts";
import { InvalidAgentSpecError } from "./errors.ts";

/** The chain as spec validation sees it, read through the indexer. */
export function indexerSpecView(reader: ChainReader): SpecChainView {
  return {
    async model(id) {
      if (id >= INT8_LIMIT) return null;
      const [row] = await reader.db
        .select({ kind: t.model.kind, status: t.model.status, baseModelId: t.model.baseModelId })
        .from(t.model)
        .where(eq(t.model.id, id));
      return row ?? null;
    },
    async datanetExists(id) {
      if (id >= INT8_LIMIT) return false;
      const rows = await reader.db
        .select({ id: t.datanet.id })
        .from(t.datanet)
        .where(eq(t.datanet.id, id));
      return rows.length > 0;
    },
  };
}

export function createSpecStore(db: AppDb, reader: ChainReader) {
  const view = indexerSpecView(reader);
  return {
    /** Checks `value` (schema, then chain); throws InvalidAgentSpecError naming the fields. */
    async validate(value: unknown): Promise<AgentSpec> {
      try {
        const spec = parseAgentSpec(value);
        await checkSpecAgainstChain(spec, view);
        return spec;
      } catch (error) {
        if (error instanceof AgentSpecError) throw new InvalidAgentSpecError(error.problems);
        throw error;
      }
    },

    async store(spec: AgentSpec, createdBy: string): Promise<Hex> {
      const hash = specHash(spec);
      await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(agentSpec)
          .values({ specHash: hash, spec, createdBy })
          .onConflictDoNothing()
          .returning({ specHash: agentSpec.specHash });
        if (inserted.length === 0) return;
        const parts = [
          ...spec.ensemble.map((m) => ({
            specHash: hash,
            kind: "ADAPTER" as const,
            refId: m.adapter,
            weight: m.weight,
          })),
          ...spec.retrieval.datanets.map((id) => ({
            specHash: hash,
            kind: "DATANET" as const,
            refId: id,
            weight: 0,
          })),
        ];
        if (parts.length > 0) await tx.insert(agentSpecPart).values(parts).onConflictDoNothing();
      });
      return hash;
    },

    async get(hash: string): Promise<AgentSpec | null> {
      const [row] = await db
        .select({ spec: agentSpec.spec })
        .from(agentSpec)
        .where(eq(agentSpec.specHash, hash.toLowerCase()));
      return (row?.spec as AgentSpec | undefined) ?? null;
    },
  };
}

export type SpecStore = ReturnType<typeof createSpecStore>;
