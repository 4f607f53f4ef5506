// Whom the chain let sign an agent's receipts, and when: AgentStaking's `AgentSignerSet` events
// replayed, read once per settlement run or verify-root replay instead of one `isAgentSignerAt`
// call per receipt.
import { agentStakingAbi } from "@tributary/contracts/abis";
import type { Address, PublicClient } from "viem";

export type SignerAuthorized = (agentId: bigint, signer: Address, issuedAt: bigint) => boolean;

// isAgentSignerAt casts the time to uint48 and reverts above it: such a time authorizes no one.
const MAX_UINT48 = (1n << 48n) - 1n;

/**
 * What `isAgentSignerAt` answers, from the events since `fromBlock` (the deployment's first
 * block): the latest change at or before `issuedAt` authorizes (several in one second: the last
 * one, as the contract's checkpoint keeps).
 */
export async function readSignerHistory(
  client: PublicClient,
  staking: Address,
  fromBlock: bigint,
  /** Blocks per log query: providers cap `eth_getLogs` ranges (commonly at 10k blocks). */
  pageBlocks = 10_000n,
): Promise<SignerAuthorized> {
  // Uncached: viem keeps the block number for seconds, and a change mined since must count.
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const events = [];
  for (let from = fromBlock; from <= head; from += pageBlocks) {
    const to = from + pageBlocks - 1n < head ? from + pageBlocks - 1n : head;
    events.push(
      ...(await client.getContractEvents({
        address: staking,
        abi: agentStakingAbi,
        eventName: "AgentSignerSet",
        fromBlock: from,
        toBlock: to,
        strict: true,
      })),
    );
  }
  const changes = new Map<string, { since: bigint; authorized: boolean }[]>();
  for (const { args } of events) {
    const key = `${args.agentId}:${args.signer.toLowerCase()}`;
    const list = changes.get(key) ?? [];
    list.push({ since: BigInt(args.since), authorized: args.authorized });
    changes.set(key, list);
  }
  return (agentId, signer, issuedAt) =>
    issuedAt <= MAX_UINT48 &&
    (changes.get(`${agentId}:${signer.toLowerCase()}`)?.findLast((c) => c.since <= issuedAt)
      ?.authorized ??
      false);
}
