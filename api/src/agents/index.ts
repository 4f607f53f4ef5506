// The agents service inside the API: specs, receipt signer keys, the payers' ledger and the
// runtime that invokes agents through the pool. Without a pool configured, agents can be
// composed but not invoked (invocations fail with InferenceFailedError).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Services } from "../context.ts";
import { InferenceFailedError } from "./errors.ts";
import { createLedger } from "./ledger.ts";
import { createPoolClient, type PoolConfig } from "./pool-client.ts";
import { type AgentRuntime, createAgentRuntime, type RuntimeOptions } from "./runtime.ts";
import { createSignerVault } from "./signers.ts";
import { createSpecStore } from "./specs.ts";

export interface AgentsOptions {
  pool?: PoolConfig | undefined;
  /** Encrypts the agents' receipt signer keys at rest (hex or any string; ≥ 32 bytes advised). */
  signerSecret?: string | undefined;
  /** Where an embedded API keeps a generated signer secret (`<dir>/signer-secret`). */
  dataDir?: string | undefined;
  runtime?: Partial<RuntimeOptions>;
}

/** A secret kept in `<dir>/signer-secret` (made on first use, readable by this user only). */
export function signerSecretFile(dir: string): string {
  const file = path.join(dir, "signer-secret");
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  return readFileSync(file, "utf8").trim();
}

/** The secret given, else one kept beside the embedded store, else one for this process only. */
function signerSecret(options: AgentsOptions, log: Services["log"]): Uint8Array {
  if (options.signerSecret) return Buffer.from(options.signerSecret, "utf8");
  if (options.dataDir) return Buffer.from(signerSecretFile(options.dataDir), "utf8");
  log.warn("no signer secret configured: agents' signer keys will not survive a restart");
  return randomBytes(32);
}

export async function createAgentsService(
  services: Omit<Services, "agents">,
  options: AgentsOptions,
) {
  const db = services.app.db;
  const specs = createSpecStore(db, services.reader);
  const vault = createSignerVault(db, signerSecret(options, services.log));
  const ledger = createLedger(db);
  // Calls a dead process left running hold reservations: release them (charging nothing).
  const staleBefore = new Date(Date.now() - (services.app.kind === "pglite" ? 0 : 15 * 60_000));
  const released = await ledger.releaseInterrupted(staleBefore);
  if (released > 0) services.log.warn({ released }, "released interrupted agent calls");
  const runtime: AgentRuntime | null = options.pool
    ? createAgentRuntime({
        services: services as Services,
        specs,
        ledger,
        vault,
        pool: createPoolClient(options.pool),
        options: {
          voucherMinLifetimeS: options.runtime?.voucherMinLifetimeS ?? 3600,
          spanMinTokens: options.runtime?.spanMinTokens ?? 8,
        },
      })
    : null;
  return {
    specs,
    vault,
    ledger,
    /** The runtime; throws when no pool is configured. */
    runtime(): AgentRuntime {
      if (!runtime) throw new InferenceFailedError("No inference pool is configured for agents");
      return runtime;
    },
  };
}

export type AgentsService = Awaited<ReturnType<typeof createAgentsService>>;
