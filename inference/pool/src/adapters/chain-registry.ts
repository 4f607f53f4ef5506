// The registry read straight from the chain: ModelRegistry.adapterIdByContentHash + getAdapter.
import { abiOf, readDeployment } from "@tributary/contracts";
import { type Address, createPublicClient, type Hex, http } from "viem";
import type { AdapterRecord, AdapterRegistry } from "./registry.ts";
import { normalizeAdapterId } from "./registry.ts";

interface OnchainAdapter {
  name: string;
  contentHash: Hex;
  uri: string;
  status: number;
}

export interface ChainRegistryOptions {
  rpcUrl: string;
  /** ModelRegistry's address; or give `chainId` (+ `deploymentsDir`) to read the deployment file. */
  address?: Address;
  chainId?: number;
  deploymentsDir?: string;
}

export async function createChainRegistry(options: ChainRegistryOptions): Promise<AdapterRegistry> {
  const client = createPublicClient({ transport: http(options.rpcUrl) });
  let address = options.address;
  if (!address) {
    const chainId = options.chainId ?? (await client.getChainId());
    const deployment = await readDeployment(chainId, options.deploymentsDir);
    address = deployment.contracts.ModelRegistry.address as Address;
  }
  const abi = abiOf("ModelRegistry");
  const registry = address;

  async function recordOf(tokenId: bigint): Promise<AdapterRecord> {
    const a = (await client.readContract({
      address: registry,
      abi,
      functionName: "getAdapter",
      args: [tokenId],
    })) as OnchainAdapter;
    return {
      id: normalizeAdapterId(a.contentHash),
      name: a.name,
      uri: a.uri,
      registryId: tokenId.toString(),
      deprecated: a.status !== 0,
    };
  }

  return {
    kind: "chain",
    async byContentHash(id) {
      const tokenId = (await client.readContract({
        address: registry,
        abi,
        functionName: "adapterIdByContentHash",
        args: [`0x${normalizeAdapterId(id)}`],
      })) as bigint;
      return tokenId === 0n ? null : recordOf(tokenId);
    },
    async byName(name) {
      const count = (await client.readContract({
        address: registry,
        abi,
        functionName: "modelCount",
      })) as bigint;
      for (let tokenId = count; tokenId >= 1n; tokenId--) {
        const isAdapter = await client.readContract({
          address: registry,
          abi,
          functionName: "isAdapter",
          args: [tokenId],
        });
        if (!isAdapter) continue;
        const record = await recordOf(tokenId);
        if (record.name === name) return record;
      }
      return null;
    },
  };
}
