// The runtime's view of the pool: its base model's name, and its signed usage record of each
// generation, checked against the pool's signer before a receipt commits to its digest.
import type { SignedUsage } from "@tributary/agents";
import { type SignedUsageRecord, verifyUsageRecord } from "@tributary/pool/usage";
import type { Address } from "viem";

export interface PoolConfig {
  /** The pool's root URL (`http://127.0.0.1:8000`). */
  url: string;
  /** This service's caller key at the pool. */
  callerKey: string;
  /** The pool's admin key: `deployAdapter` loads adapters with it (not deployable without). */
  adminKey?: string | undefined;
  /** Accounts that may deploy any registered adapter (besides each adapter's owner). */
  operators?: readonly Address[] | undefined;
}

export function createPoolClient(config: PoolConfig) {
  const root = config.url.replace(/\/+$/, "").replace(/\/v1$/, "");
  const auth = { authorization: `Bearer ${config.callerKey}` };
  let identity: Promise<{ model: string; signer: Address; contextLength: number }> | undefined;

  async function getJson(path: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${root}${path}`, {
      headers,
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      const body = await response.text().catch(() => "");
      throw Object.assign(
        new Error(`pool ${path} answered ${response.status}: ${body.slice(0, 200)}`),
        {
          status: response.status,
        },
      );
    }
    return response.json() as Promise<Record<string, unknown>>;
  }

  const identify = () =>
    (identity ??= (async () => {
      const models = (await getJson("/v1/models")) as {
        data: { id: string; kind?: string; max_model_len?: number }[];
      };
      const base = models.data.find((m) => m.kind === "base");
      if (!base) throw new Error("the pool lists no base model");
      const signer = (await getJson("/v1/signer")) as { address: Address };
      return { model: base.id, signer: signer.address, contextLength: base.max_model_len ?? 0 };
    })().catch((error) => {
      identity = undefined;
      throw error;
    }));

  return {
    baseURL: `${root}/v1`,
    apiKey: config.callerKey,
    identify,
    async countTokens(turns: { role: string; content: string }[]) {
      const { model } = await identify();
      const response = await fetch(`${root}/v1/tokenize`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ model, messages: turns }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok)
        throw new Error(
          `pool /v1/tokenize answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
        );
      const body = (await response.json()) as { count: number; max_model_len: number };
      return { count: body.count, maxModelLen: body.max_model_len };
    },
    /** The pool's signed record of a request this caller made; null when it has none. */
    async usage(requestId: string): Promise<SignedUsage | null> {
      const { signer } = await identify();
      let signed: SignedUsageRecord;
      try {
        signed = (await getJson(
          `/v1/usage/${encodeURIComponent(requestId)}`,
          auth,
        )) as unknown as SignedUsageRecord;
      } catch (error) {
        if ((error as { status?: number }).status === 404) return null;
        throw error;
      }
      if (!(await verifyUsageRecord(signed, signer)))
        throw new Error(`the pool's usage record of ${requestId} does not verify`);
      return {
        digest: signed.digest,
        signature: signed.signature,
        signer: signed.signer,
        promptTokens: signed.record.promptTokens,
        completionTokens: signed.record.completionTokens,
        record: signed.record as unknown as Record<string, unknown>,
      };
    },
  };
}

export type PoolClient = ReturnType<typeof createPoolClient>;
