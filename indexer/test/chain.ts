import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type Anvil,
  chainFor,
  type Deployment,
  type DevnetRole,
  deployProtocol,
  startAnvil,
} from "@tributary/contracts";
import {
  type Abi,
  type Address,
  createPublicClient,
  createWalletClient,
  http,
  type PublicClient,
} from "viem";
import { devnetAccount } from "./accounts.ts";

export interface TestChain {
  anvil: Anvil;
  deployment: Deployment;
  deploymentsDir: string;
  publicClient: PublicClient;
  /** Sends a transaction as `role` and waits for a successful receipt; returns the simulated result. */
  send<T = unknown>(
    role: DevnetRole,
    address: Address,
    abi: Abi,
    functionName: string,
    args?: readonly unknown[],
  ): Promise<T>;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

/** anvil on a free port with the protocol deployed (deployer keeps MINTER and is the guardian). */
export async function setupChain(): Promise<TestChain> {
  const anvil = await startAnvil({ port: 0 });
  const chain = chainFor(anvil.chainId, anvil.rpcUrl);
  // cacheTime 0: tests read the head right after mining; a cached block number would be stale.
  const publicClient = createPublicClient({
    chain,
    transport: http(anvil.rpcUrl),
    cacheTime: 0,
  }) as PublicClient;
  const deploymentsDir = mkdtempSync(path.join(tmpdir(), "tributary-indexer-deployments-"));
  const deployer = devnetAccount("deployer");
  const deployment = await deployProtocol({
    publicClient,
    walletClient: createWalletClient({ account: deployer, chain, transport: http(anvil.rpcUrl) }),
    settler: devnetAccount("settler").address,
    guardian: deployer.address,
    keepMinter: true,
    deploymentsDir,
  });
  const wallets = new Map<DevnetRole, ReturnType<typeof createWalletClient>>();
  const walletOf = (role: DevnetRole) => {
    let wallet = wallets.get(role);
    if (!wallet) {
      wallet = createWalletClient({
        account: devnetAccount(role),
        chain,
        transport: http(anvil.rpcUrl),
      });
      wallets.set(role, wallet);
    }
    return wallet;
  };
  return {
    anvil,
    deployment,
    deploymentsDir,
    publicClient,
    async send(role, address, abi, functionName, args = []) {
      const account = devnetAccount(role);
      // Against the pending block: a registration reveals a commitment mined in the latest
      // block, which only a later block accepts.
      const { request, result } = await publicClient.simulateContract({
        address,
        abi,
        functionName,
        args,
        account,
        blockTag: "pending",
      });
      const hash = await walletOf(role).writeContract(request as never);
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      if (receipt.status !== "success") throw new Error(`${functionName} reverted (${hash})`);
      return result as never;
    },
    rpc: (method, params = []) =>
      publicClient.request({ method: method as never, params: params as never }) as never,
    async stop() {
      await anvil.stop();
      rmSync(deploymentsDir, { recursive: true, force: true });
    },
  };
}
