// Where the pool learns whether an adapter is registered, under which name and URI. The id is
// the adapter's content hash: sha256(adapter_config.json || adapter_model.safetensors).
export interface AdapterRecord {
  /** Lowercase hex sha256, no 0x. */
  id: string;
  name: string;
  uri: string;
  /** The registry's own id for it (the ERC-721 token id on chain), when it has one. */
  registryId?: string;
  deprecated?: boolean;
}

export interface AdapterRegistry {
  readonly kind: string;
  byContentHash(id: string): Promise<AdapterRecord | null>;
  /** Registered adapters with this name (a name is not unique on chain: newest first). */
  byName(name: string): Promise<AdapterRecord | null>;
}

export function normalizeAdapterId(id: string): string {
  return id.toLowerCase().replace(/^0x/, "");
}

export const isAdapterId = (value: string) => /^(0x)?[0-9a-fA-F]{64}$/.test(value);

/** A fixed list: for tests, and for running without a chain (`registry: "open"` is not offered). */
export function createStaticRegistry(records: AdapterRecord[]): AdapterRegistry & {
  add(record: AdapterRecord): void;
} {
  const byId = new Map(records.map((r) => [normalizeAdapterId(r.id), r]));
  return {
    kind: "static",
    add(record) {
      byId.set(normalizeAdapterId(record.id), record);
    },
    async byContentHash(id) {
      return byId.get(normalizeAdapterId(id)) ?? null;
    },
    async byName(name) {
      return [...byId.values()].reverse().find((r) => r.name === name) ?? null;
    },
  };
}
