// What a request's `model` (and optional body `adapters`) means: the base model, one adapter
// (`<base>:<adapter>`), or a weighted ensemble (registered by name, or given in the body).
import type { AdapterStore } from "../adapters/store.ts";
import type { AdapterWeight } from "../engine/protocol.ts";
import { InvalidRequestError, NotFoundError, PoolError } from "../errors.ts";

export interface EnsembleMember {
  adapter: string;
  weight: number;
}

export interface ModelCatalog {
  readonly baseModel: string;
  readonly ensembles: Map<string, EnsembleMember[]>;
  resolve(model: unknown, bodyAdapters: unknown): Promise<AdapterWeight[]>;
}

function parseMembers(value: unknown, param: string): EnsembleMember[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 16) {
    throw new InvalidRequestError(
      `${param} must be a non-empty array of at most 16 {id, weight}`,
      param,
    );
  }
  return value.map((entry, i) => {
    const id = entry?.id ?? entry?.adapter;
    const weight = entry?.weight ?? 1;
    if (typeof id !== "string" || id === "" || id.length > 128) {
      throw new InvalidRequestError(
        `${param}[${i}].id must be an adapter id or name (at most 128 characters)`,
        param,
      );
    }
    if (typeof weight !== "number" || !Number.isFinite(weight) || Math.abs(weight) > 100) {
      throw new InvalidRequestError(`${param}[${i}].weight must be a finite number`, param);
    }
    return { adapter: id, weight };
  });
}

export function createModelCatalog(baseModel: string, store: AdapterStore): ModelCatalog {
  const ensembles = new Map<string, EnsembleMember[]>();

  async function toWeights(members: EnsembleMember[]): Promise<AdapterWeight[]> {
    const weights: AdapterWeight[] = [];
    for (const member of members) {
      let id: string;
      try {
        id = (await store.resolve(member.adapter)).id;
      } catch (error) {
        if (error instanceof PoolError && error.status === 404) {
          throw new NotFoundError(
            `adapter ${member.adapter} does not exist`,
            "adapter_not_found",
            "adapter",
          );
        }
        throw error;
      }
      if (weights.some((w) => w.id === id)) {
        throw new InvalidRequestError(`adapter ${member.adapter} is listed twice`, "adapters");
      }
      weights.push({ id, weight: member.weight });
    }
    return weights;
  }

  return {
    baseModel,
    ensembles,
    async resolve(model, bodyAdapters) {
      if (typeof model !== "string" || model === "") {
        throw new InvalidRequestError("`model` is required", "model");
      }
      const none =
        bodyAdapters == null || (Array.isArray(bodyAdapters) && bodyAdapters.length === 0);
      const fromBody = none ? [] : parseMembers(bodyAdapters, "adapters");
      if (model === baseModel) return toWeights(fromBody);
      const ensemble = ensembles.get(model);
      if (ensemble) {
        if (fromBody.length > 0) {
          throw new InvalidRequestError(
            "a registered ensemble takes no body `adapters`",
            "adapters",
          );
        }
        return toWeights(ensemble);
      }
      const prefix = `${baseModel}:`;
      if (model.startsWith(prefix)) {
        if (fromBody.length > 0) {
          throw new InvalidRequestError(
            "give either `<base>:<adapter>` or body `adapters`",
            "adapters",
          );
        }
        return toWeights([{ adapter: model.slice(prefix.length), weight: 1 }]);
      }
      const named = store.list().find((a) => a.name === model || a.id === model);
      if (named && fromBody.length === 0) return [{ id: named.id, weight: 1 }];
      throw new NotFoundError(`The model \`${model}\` does not exist`, "model_not_found");
    },
  };
}

export { parseMembers };
