import { chainFor, type Deployment, readDeployment } from "@tributary/contracts";
import { tributaryTokenAbi } from "@tributary/contracts/abis";
import {
  type Address,
  type Chain,
  createPublicClient,
  type Hex,
  http,
  type PublicClient,
} from "viem";
import { ChainUnavailableError } from "../errors.ts";

export interface UnsignedTransaction {
  to: Address;
  data: Hex;
  value: bigint;
  chainId: number;
  from: Address;
  /** Null when the node could not estimate (the call would revert now, e.g. before an approval). */
  gas: bigint | null;
  description: string;
}

export interface ChainService {
  chainId: number;
  chain: Chain;
  deployment: Deployment;
  publicClient: PublicClient;
  address(name: keyof Deployment["contracts"]): Address;
  /** Adds chainId and a gas estimate (null when estimation reverts). */
  prepare(
    tx: Omit<UnsignedTransaction, "gas" | "chainId" | "value"> & { value?: bigint },
  ): Promise<UnsignedTransaction>;
  /** An ERC-20 approval when `owner`'s allowance to `spender` is below `amount`. */
  approvalIfNeeded(
    owner: Address,
    spender: Address,
    amount: bigint,
  ): Promise<UnsignedTransaction | null>;
}

/**
 * Whether a failed call never got an answer from the node (connection refused, timeout) rather
 * than an answer that it reverts. viem wraps the transport's error (an estimate's
 * `EstimateGasExecutionError` around an `HttpRequestError`), so the whole cause chain is looked at.
 */
export function isChainUnreachable(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (["HttpRequestError", "TimeoutError", "WebSocketRequestError"].includes(e.name)) return true;
  }
  return false;
}

export interface ChainServiceOptions {
  rpcUrl: string;
  chainId: number;
  deploymentsDir?: string | undefined;
}

export function createChainService(options: ChainServiceOptions): ChainService {
  const chain = chainFor(options.chainId, options.rpcUrl);
  const deployment = readDeployment(options.chainId, options.deploymentsDir);
  const publicClient = createPublicClient({
    chain,
    transport: http(options.rpcUrl, { timeout: 10_000, retryCount: 1 }),
  }) as PublicClient;
  const token = deployment.contracts.TributaryToken.address;

  const service: ChainService = {
    chainId: options.chainId,
    chain,
    deployment,
    publicClient,
    address: (name) => deployment.contracts[name].address,
    async prepare(tx) {
      const value = tx.value ?? 0n;
      let gas: bigint | null = null;
      try {
        gas = await publicClient.estimateGas({ account: tx.from, to: tx.to, data: tx.data, value });
      } catch (error) {
        // A revert is expected for a step that depends on an earlier one (approve first);
        // a transport failure is not.
        if (isChainUnreachable(error)) throw new ChainUnavailableError(error);
      }
      return { ...tx, value, chainId: options.chainId, gas };
    },
    async approvalIfNeeded(owner, spender, amount) {
      if (amount === 0n) return null;
      let allowance: bigint;
      try {
        allowance = await publicClient.readContract({
          address: token,
          abi: tributaryTokenAbi,
          functionName: "allowance",
          args: [owner, spender],
        });
      } catch (error) {
        throw new ChainUnavailableError(error);
      }
      if (allowance >= amount) return null;
      const { encodeFunctionData } = await import("viem");
      return service.prepare({
        from: owner,
        to: token,
        data: encodeFunctionData({
          abi: tributaryTokenAbi,
          functionName: "approve",
          args: [spender, amount],
        }),
        description: `Approve ${spender} to spend ${amount} TRIB`,
      });
    },
  };
  return service;
}
