import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createPublicClient, http } from "viem";
import { foundryBinary } from "./foundry-binary.ts";

export const DEFAULT_ANVIL_PORT = 8545;
export const ANVIL_CHAIN_ID = 31337;
/** anvil's default mnemonic; its accounts are the devnet's demo accounts. */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

export interface AnvilOptions {
  host?: string;
  /** Preferred port (0: any free port); when taken and `strictPort` is false, a free port is used. */
  port?: number;
  strictPort?: boolean;
  chainId?: number;
  /** Seconds between blocks; undefined mines one block per transaction. */
  blockTime?: number;
  accounts?: number;
  /** Where anvil's stdout/stderr go. Defaults to discarding them. */
  onLog?: (line: string) => void;
}

export interface Anvil {
  rpcUrl: string;
  host: string;
  port: number;
  chainId: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Resolves whether `port` on `host` can be bound right now. */
export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A port the OS reports free on `host` (racy by nature; callers retry on a bind failure). */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForRpc(rpcUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 1000 }) });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}`);
    try {
      await client.getChainId();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`anvil did not answer on ${rpcUrl} within ${timeoutMs} ms`);
}

/** Starts anvil from the npm-installed binary and resolves once its RPC answers. */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const host = options.host ?? "127.0.0.1";
  const chainId = options.chainId ?? ANVIL_CHAIN_ID;
  const preferred = options.port ?? DEFAULT_ANVIL_PORT;
  let port = preferred;
  if (preferred === 0) {
    port = await findFreePort(host);
  } else if (!(await isPortFree(preferred, host))) {
    if (options.strictPort) throw new Error(`port ${preferred} on ${host} is in use`);
    port = await findFreePort(host);
  }
  const args = [
    "--host",
    host,
    "--port",
    String(port),
    "--chain-id",
    String(chainId),
    "--accounts",
    String(options.accounts ?? 10),
    "--mnemonic",
    ANVIL_MNEMONIC,
  ];
  if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
  const child = spawn(foundryBinary("anvil"), args, { stdio: ["ignore", "pipe", "pipe"] });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) options.onLog?.(line);
  };
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  const rpcUrl = `http://${host}:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
    });
  try {
    await waitForRpc(rpcUrl, child, 15_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { rpcUrl, host, port, chainId, process: child, stop };
}
