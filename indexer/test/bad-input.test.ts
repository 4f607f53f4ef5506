// Bad chain input: events from an unknown address, a missing or malformed deployment file,
// an RPC that goes away and comes back.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { bytecodeOf } from "@tributary/contracts";
import { tributaryTokenAbi } from "@tributary/contracts/abis";
import { createWalletClient, getAddress, http, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IndexerStartError, startIndexer } from "../launcher.ts";
import * as s from "../ponder.schema.ts";
import { devnetAccount } from "./accounts.ts";
import { setupChain, type TestChain } from "./chain.ts";
import { rowsOf, sqlClient } from "./dump.ts";
import { launch, storage, waitForHead } from "./modes.ts";

let chain: TestChain;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  chain = await setupChain();
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await chain?.stop();
});

describe("bad chain input", () => {
  it("ignores events of a contract the deployment file does not name", async () => {
    const deployer = devnetAccount("deployer");
    const wallet = createWalletClient({
      account: deployer,
      chain: chain.publicClient.chain,
      transport: http(chain.anvil.rpcUrl),
    });
    const hash = await wallet.deployContract({
      abi: tributaryTokenAbi,
      bytecode: bytecodeOf("TributaryToken"),
      args: [deployer.address],
      chain: chain.publicClient.chain,
    });
    const impostor = getAddress(
      (await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress as string,
    );
    const payer = devnetAccount("payer").address;
    await chain.send("deployer", impostor, tributaryTokenAbi, "mint", [payer, parseEther("5")]);
    await chain.send(
      "deployer",
      chain.deployment.contracts.TributaryToken.address,
      tributaryTokenAbi,
      "mint",
      [payer, parseEther("1")],
    );

    const store = await storage("pglite", "unknown_address");
    cleanups.push(store.cleanup);
    const indexer = await launch(chain, store.options);
    cleanups.push(() => indexer.stop());
    await waitForHead(indexer.url, chain);
    const db = sqlClient(indexer.url);
    const logs = await rowsOf(db, s.eventLog);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((l) => l.address === impostor)).toEqual([]);
    const holders = await rowsOf(db, s.tokenHolder);
    expect(holders.find((h) => h.address === payer)?.balance).toBe(parseEther("1"));
  });

  it("exits non-zero with a clear error when the deployment file is missing", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "tributary-no-deployment-"));
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    const error = await launch(chain, { deploymentsDir: empty, dataDir: empty }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IndexerStartError);
    expect((error as IndexerStartError).exitCode).not.toBe(0);
    expect((error as Error).message).toMatch(
      /no deployment for chain 31337: .*31337\.json does not exist/,
    );
  });

  it("exits non-zero with a clear error when the deployment file is malformed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tributary-bad-deployment-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, "31337.json"), JSON.stringify({ chainId: 31337, contracts: {} }));
    const malformed = await launch(chain, { deploymentsDir: dir, dataDir: dir }).catch(
      (e: unknown) => e,
    );
    expect((malformed as IndexerStartError).exitCode).not.toBe(0);
    expect((malformed as Error).message).toMatch(
      /31337\.json is malformed: .*contracts\.TributaryToken/,
    );
    writeFileSync(path.join(dir, "31337.json"), "{ not json");
    const invalid = await launch(chain, { deploymentsDir: dir, dataDir: dir }).catch(
      (e: unknown) => e,
    );
    expect((invalid as Error).message).toMatch(/31337\.json is not valid JSON/);
  });

  it("recovers when the RPC goes away and comes back", async () => {
    const proxy = rpcProxy(chain.anvil.port);
    const port = await proxy.open(0);
    cleanups.push(() => proxy.close());
    const store = await storage("pglite", "rpc_outage");
    cleanups.push(store.cleanup);
    const indexer = await startIndexer({
      rpcUrl: `http://127.0.0.1:${port}`,
      chainId: chain.anvil.chainId,
      deploymentsDir: chain.deploymentsDir,
      port: 0,
      pollingIntervalMs: 100,
      ...store.options,
    });
    cleanups.push(() => indexer.stop());
    await waitForHead(indexer.url, chain);

    await proxy.close();
    const payer = devnetAccount("payer").address;
    await chain.send(
      "deployer",
      chain.deployment.contracts.TributaryToken.address,
      tributaryTokenAbi,
      "mint",
      [payer, parseEther("7")],
    );
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(indexer.process.exitCode).toBeNull();
    await proxy.open(port);
    await waitForHead(indexer.url, chain);
    const holders = await rowsOf(sqlClient(indexer.url), s.tokenHolder);
    expect(holders.find((h) => h.address === payer)?.balance).toBe(
      await chain.publicClient.readContract({
        address: chain.deployment.contracts.TributaryToken.address,
        abi: tributaryTokenAbi,
        functionName: "balanceOf",
        args: [payer],
      }),
    );
  });
});

/** A TCP proxy to anvil that can drop every connection and stop listening (an RPC outage). */
function rpcProxy(targetPort: number) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    open(port: number): Promise<number> {
      server = createServer((client) => {
        const upstream = connect(targetPort, "127.0.0.1");
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      return new Promise((resolve) => {
        server?.listen(port, "127.0.0.1", () => {
          const address = server?.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      });
    },
    close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) =>
        server?.listening ? server.close(() => resolve()) : resolve(),
      );
    },
  };
}
