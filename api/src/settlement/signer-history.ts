// Whom the chain let sign an agent's receipts, and when: AgentStaking's `AgentSignerSet` events
// replayed, read once per settlement run instead of one `isAgentSignerAt` call per receipt.
import { agentStakingAbi } from "@tributary/contracts/abis";
import type { Address } from "viem";
import type { ChainService } from "../chain/index.ts";

export type SignerAuthorized = (agentId: bigint, signer: Address, issuedAt: bigint) => boolean;

/**
 * What `isAgentSignerAt` answers, from the events: the latest change at or before `issuedAt`
 * (several in one second: the last one, as the contract's checkpoint keeps) authorizes.
 */
export async function readSignerHistory(chain: ChainService): Promise<SignerAuthorized> {
  const events = await chain.publicClient.getContractEvents({
    address: chain.address("AgentStaking"),
    abi: agentStakingAbi,
    eventName: "AgentSignerSet",
    fromBlock: 0n,
    strict: true,
  });
  const changes = new Map<string, { since: bigint; authorized: boolean }[]>();
  for (const { args } of events) {
    const key = `${args.agentId}:${args.signer.toLowerCase()}`;
    const list = changes.get(key) ?? [];
    list.push({ since: BigInt(args.since), authorized: args.authorized });
    changes.set(key, list);
  }
  return (agentId, signer, issuedAt) =>
    changes.get(`${agentId}:${signer.toLowerCase()}`)?.findLast((c) => c.since <= issuedAt)
      ?.authorized ?? false;
}
