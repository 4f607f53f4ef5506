import { ForbiddenError } from "@pothos/plugin-scope-auth";
import type { Address, PublicClient } from "viem";
import { describe, expect, it } from "vitest";
import { ChainUnavailableError, InvalidInputError, NotFoundError } from "../errors.ts";
import type { ReaderDb } from "../reader/index.ts";
import {
  AdapterFilesRefusedError,
  AdapterNotIndexedError,
  PoolUnavailableError,
} from "./errors.ts";
import { createAdapterDeployer, type DeployDeps, type ModelRow } from "./index.ts";

const OWNER = "0x00000000000000000000000000000000000000a1" as Address;
const OPERATOR = "0x00000000000000000000000000000000000000b2" as Address;
const STRANGER = "0x00000000000000000000000000000000000000c3" as Address;
const HASH = `0x${"ab".repeat(32)}`;

const adapterRow = (extra: Partial<ModelRow> = {}) =>
  ({
    id: 7n,
    kind: "Adapter",
    status: "Active",
    owner: OWNER,
    contentHash: HASH,
    ...extra,
  }) as ModelRow;

/** The indexer's `model` rows (every query answers them) and the chain's `isAdapter`. */
function deps(rows: ModelRow[], onChain: boolean | Error = false): DeployDeps {
  const reader = { select: () => ({ from: () => ({ where: async () => rows }) }) };
  const publicClient = {
    readContract: async () => {
      if (onChain instanceof Error) throw onChain;
      return onChain;
    },
  };
  return {
    reader: reader as unknown as ReaderDb,
    publicClient: publicClient as unknown as PublicClient,
    modelRegistry: "0x0000000000000000000000000000000000000001",
  };
}

/** A pool answering `/v1/adapters/load` with `status` and `body`; its requests are kept. */
function pool(status: number, body: unknown) {
  const requests: { url: string; auth: string | null; body: unknown }[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    requests.push({
      url,
      auth: new Headers(init.headers).get("authorization"),
      body: JSON.parse(String(init.body)),
    });
    return new Response(JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
  return { requests, fetchImpl };
}

const LOADED = { object: "adapter", id: HASH.slice(2), name: "notes", model: "tiny:notes" };
const deployer = (fetchImpl: typeof fetch, withPool = true) =>
  createAdapterDeployer(
    {
      pool: withPool ? { url: "http://pool.test/v1", adminKey: "tpa_admin" } : undefined,
      operators: [OPERATOR],
    },
    fetchImpl,
  );
const poolError = (code: string, message = code) => ({ error: { message, code } });

describe("deployAdapter", () => {
  it("asks the pool to load the adapter by content hash, for its owner or an operator", async () => {
    const { requests, fetchImpl } = pool(200, LOADED);
    const d = deployer(fetchImpl);
    const deployed = await d.deploy(deps([adapterRow()]), OWNER, 7n);
    expect(deployed).toMatchObject({ model: "tiny:notes", adapter: { id: 7n } });
    await d.deploy(deps([adapterRow()]), OPERATOR, 7n);
    expect(requests).toEqual([
      {
        url: "http://pool.test/v1/adapters/load",
        auth: "Bearer tpa_admin",
        body: { id: HASH.slice(2) },
      },
      expect.objectContaining({ body: { id: HASH.slice(2) } }),
    ]);
  });

  it("refuses before calling the pool: unknown, not indexed, a base model, another's, deprecated", async () => {
    const { requests, fetchImpl } = pool(200, LOADED);
    const d = deployer(fetchImpl);
    await expect(d.deploy(deps([]), OWNER, 7n)).rejects.toBeInstanceOf(NotFoundError);
    await expect(d.deploy(deps([], true), OWNER, 7n)).rejects.toBeInstanceOf(
      AdapterNotIndexedError,
    );
    await expect(d.deploy(deps([], new Error("down")), OWNER, 7n)).rejects.toBeInstanceOf(
      ChainUnavailableError,
    );
    await expect(d.deploy(deps([adapterRow({ kind: "BaseModel" })]), OWNER, 7n)).rejects.toThrow(
      InvalidInputError,
    );
    await expect(d.deploy(deps([adapterRow()]), STRANGER, 7n)).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(d.deploy(deps([adapterRow({ status: "Deprecated" })]), OWNER, 7n)).rejects.toThrow(
      InvalidInputError,
    );
    expect(requests).toEqual([]);
    await expect(
      deployer(fetchImpl, false).deploy(deps([adapterRow()]), OWNER, 7n),
    ).rejects.toMatchObject({
      code: "POOL_UNAVAILABLE",
      retryable: false,
    });
  });

  it("turns the pool's refusals into typed errors", async () => {
    const cases: [number, unknown, unknown][] = [
      [
        403,
        poolError("adapter_hash_mismatch"),
        { reason: "HASH_MISMATCH", contentHash: HASH, retryable: false },
      ],
      [400, poolError("adapter_fetch_failed"), { reason: "UNREACHABLE", retryable: true }],
      [404, poolError("adapter_not_found"), { adapterId: 7n, retryable: true }],
      [403, poolError("adapter_not_registered"), { adapterId: 7n }],
      [401, poolError("invalid_api_key"), { code: "POOL_UNAVAILABLE", retryable: false }],
      [503, poolError("worker_unavailable"), { code: "POOL_UNAVAILABLE", retryable: true }],
      [502, "not json", { code: "POOL_UNAVAILABLE" }],
    ];
    const types = [AdapterFilesRefusedError, AdapterNotIndexedError, PoolUnavailableError];
    for (const [status, body, expected] of cases) {
      const { fetchImpl } = pool(status, body);
      const error = await deployer(fetchImpl)
        .deploy(deps([adapterRow()]), OWNER, 7n)
        .catch((e) => e);
      expect(
        types.some((type) => error instanceof type),
        JSON.stringify(body),
      ).toBe(true);
      expect(error, JSON.stringify(body)).toMatchObject(expected as object);
    }
    const unreachable = (async () => {
      throw new TypeError("fetch failed");
    }) as unknown as typeof fetch;
    await expect(
      deployer(unreachable).deploy(deps([adapterRow()]), OWNER, 7n),
    ).rejects.toMatchObject({
      code: "POOL_UNAVAILABLE",
      retryable: true,
    });
  });
});
