import { type Chain, defineChain } from "viem";
import { anvil } from "viem/chains";

/** A viem chain for `chainId` at `rpcUrl`: anvil's definition for 31337, a minimal one otherwise. */
export function chainFor(chainId: number, rpcUrl: string): Chain {
  if (chainId === anvil.id) {
    return { ...anvil, rpcUrls: { default: { http: [rpcUrl] } } };
  }
  return defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}
