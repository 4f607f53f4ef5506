// `npm start`'s entry to the pool: startPool({ modelDir, adapters, ... }) →
// { url, port, callerKeys, adminKey, signer, stop }. Keys come from the options, else from
// TRIBUTARY_POOL_CALLER_KEYS (`name=key,…`), TRIBUTARY_POOL_ADMIN_KEY and
// TRIBUTARY_POOL_SIGNER_KEY, else are generated (callers `agents` and `demo`) and returned.
// Adapters are verified against the registry before any worker loads them: give `registry`
// (an AdapterRegistry, { indexerUrl } to read the indexer, or { rpcUrl } to read the chain); without one, only the
// adapters listed here with their registered `id` are admitted.
import path from "node:path";
import pino from "pino";
import type { Address, Hex } from "viem";
import { type ChainRegistryOptions, createChainRegistry } from "./src/adapters/chain-registry.ts";
import { createIndexerRegistry } from "./src/adapters/indexer-registry.ts";
import { type AdapterRegistry, createStaticRegistry } from "./src/adapters/registry.ts";
import { parseCallerKeys } from "./src/http/auth.ts";
import { createJsonlUsageSink, type UsageSink } from "./src/metering/index.ts";
import { type AdapterSource, type PoolServiceOptions, startPoolService } from "./src/service.ts";

export interface StartPoolOptions
  extends Omit<PoolServiceOptions, "registry" | "adapters" | "sink" | "logger"> {
  /** Adapter directories (file: URIs or paths) or sources with their registered ids. */
  adapters?: (string | AdapterSource)[];
  /** An AdapterRegistry; `{ indexerUrl }` (Ponder's /sql); or `{ rpcUrl, address? }` (ModelRegistry on chain). */
  registry?: AdapterRegistry | ChainRegistryOptions | { indexerUrl: string };
  /** Usage records: a sink, or a JSONL file path (appended, fsynced); default `<modelDir>/../usage.jsonl`. */
  usage?: UsageSink | string;
  /** Receives each JSON log line; default: stdout. */
  onLog?: (line: string) => void;
  /** Where the TRIBUTARY_POOL_* keys are read when not given as options; default process.env. */
  env?: Record<string, string | undefined>;
}

export interface StartedPool {
  url: string;
  port: number;
  /** Caller name → key (configured or generated): what each caller sends as its Bearer key. */
  callerKeys: Record<string, string>;
  adminKey: string;
  /** The address that signs usage records (also at `GET /v1/signer`). */
  signer: Address;
  stop(): Promise<void>;
}

function toSource(entry: string | AdapterSource): AdapterSource {
  if (typeof entry !== "string") return entry;
  return { uri: entry.includes(":") ? entry : `file://${path.resolve(entry)}` };
}

export async function startPool(options: StartPoolOptions): Promise<StartedPool> {
  const { onLog, registry, usage, env = process.env, ...rest } = options;
  const envCallers = env.TRIBUTARY_POOL_CALLER_KEYS
    ? parseCallerKeys(env.TRIBUTARY_POOL_CALLER_KEYS)
    : undefined;
  const logger = onLog
    ? pino({ name: "tributary-pool" }, { write: (line: string) => onLog(line.trimEnd()) })
    : pino({ name: "tributary-pool" });
  const adapters = (options.adapters ?? []).map(toSource);
  const resolvedRegistry: AdapterRegistry =
    registry === undefined
      ? createStaticRegistry(
          adapters.flatMap((a) => (a.id ? [{ id: a.id, name: a.name ?? a.id, uri: a.uri }] : [])),
        )
      : "byContentHash" in registry
        ? registry
        : "indexerUrl" in registry
          ? createIndexerRegistry({ url: registry.indexerUrl })
          : await createChainRegistry(registry);
  const sink =
    typeof usage === "object"
      ? usage
      : await createJsonlUsageSink(
          usage ?? path.join(path.dirname(path.resolve(options.modelDir)), "usage.jsonl"),
        );
  let service: Awaited<ReturnType<typeof startPoolService>>;
  try {
    service = await startPoolService({
      storeDir: path.join(path.dirname(path.resolve(options.modelDir)), "adapter-store"),
      ...rest,
      callerKeys: rest.callerKeys ?? envCallers,
      adminKey: rest.adminKey ?? (env.TRIBUTARY_POOL_ADMIN_KEY || undefined),
      signerKey:
        rest.signerKey ?? ((env.TRIBUTARY_POOL_SIGNER_KEY || undefined) as Hex | undefined),
      adapters,
      registry: resolvedRegistry,
      sink,
      logger,
    });
  } catch (error) {
    // A sink opened here is closed here; one given by the caller is the caller's.
    if (sink !== usage) await sink.close();
    throw error;
  }
  const { url, port, callerKeys, adminKey, signer, stop } = service;
  return { url, port, callerKeys, adminKey, signer, stop };
}

export { writeDemoTokenizer } from "./src/tokenizer/demo-tokenizer.ts";
