import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { chainFor } from "./chain.ts";
import { deployProtocol, type ProtocolParams } from "./deploy.ts";
import type { Deployment } from "./deployment-file.ts";
import { devnetAccount } from "./devnet-accounts.ts";

export interface DevnetDeployOptions {
  rpcUrl: string;
  chainId: number;
  deploymentsDir?: string;
  params?: ProtocolParams;
  onProgress?: Parameters<typeof deployProtocol>[0]["onProgress"];
}

/**
 * Deploys the protocol to a devnet with the devnet's roles: anvil's deployer account deploys,
 * keeps the token minter role and is the guardian (arbiter and veto beside the timelock); the
 * settler account settles.
 */
export async function deployDevnet(
  options: DevnetDeployOptions,
): Promise<{ deployment: Deployment; publicClient: PublicClient }> {
  const chain = chainFor(options.chainId, options.rpcUrl);
  const publicClient = createPublicClient({
    chain,
    transport: http(options.rpcUrl),
  }) as PublicClient;
  const deployer = devnetAccount("deployer");
  const deployment = await deployProtocol({
    publicClient,
    walletClient: createWalletClient({ account: deployer, chain, transport: http(options.rpcUrl) }),
    settler: devnetAccount("settler").address,
    guardian: deployer.address,
    keepMinter: true,
    deploymentsDir: options.deploymentsDir,
    params: options.params,
    onProgress: options.onProgress,
  });
  return { deployment, publicClient };
}
