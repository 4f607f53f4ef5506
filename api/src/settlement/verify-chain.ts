// What verify-root takes from the chain and nowhere else: each epoch's root record and data URI,
// and the agents' signer and operator histories that decide whom a receipt may pay.
import { agentStakingAbi, attributionSettlementAbi } from "@tributary/contracts/abis";
import { type Address, type Hex, isAddressEqual, type PublicClient } from "viem";
import { readSignerHistory, type SignerAuthorized } from "./signer-history.ts";

export type RootStatus = "pending" | "live" | "challenged" | "vetoed";

/** An epoch's root as posted: the record `rootOf` keeps and the URI only its event carries. */
export interface ChainRoot {
  epoch: bigint;
  root: Hex;
  totalCumulative: bigint;
  dataHash: Hex;
  dataURI: string;
  status: RootStatus;
}

export interface ChainFactsOptions {
  client: PublicClient;
  settlement: Address;
  staking: Address;
  /** Where event searches start (the deployment's first block); 0 when unset. */
  fromBlock?: bigint | undefined;
}

export function createChainFacts({
  client,
  settlement,
  staking,
  fromBlock = 0n,
}: ChainFactsOptions) {
  let signers: Promise<SignerAuthorized> | null = null;
  let operators: Promise<Map<bigint, { operator: Address; since: bigint }[]>> | null = null;

  async function latestProposedEpoch(): Promise<bigint> {
    return client.readContract({
      address: settlement,
      abi: attributionSettlementAbi,
      functionName: "latestProposedEpoch",
    });
  }

  /** Epochs 1..`through` as posted (the caller checks `through` was proposed). */
  async function roots(through: bigint): Promise<ChainRoot[]> {
    const [events, block] = await Promise.all([
      client.getContractEvents({
        address: settlement,
        abi: attributionSettlementAbi,
        eventName: "RootProposed",
        fromBlock,
      }),
      client.getBlock(),
    ]);
    const uris = new Map(events.map((e) => [e.args.epoch, e.args.dataURI]));
    const out: ChainRoot[] = [];
    for (let epoch = 1n; epoch <= through; epoch++) {
      const info = await client.readContract({
        address: settlement,
        abi: attributionSettlementAbi,
        functionName: "rootOf",
        args: [epoch],
      });
      const status = (["none", "pending", "challenged", "vetoed"] as const)[info.status] ?? "none";
      if (status === "none") throw new Error(`epoch ${epoch} has no root on chain`);
      out.push({
        epoch,
        root: info.root,
        totalCumulative: info.totalCumulative,
        dataHash: info.dataHash,
        dataURI: uris.get(epoch) ?? "",
        status: status === "pending" && info.liveAt <= block.timestamp ? "live" : status,
      });
    }
    return out;
  }

  /** Whether the chain's signer history let `signer` sign for the agent at `issuedAt`. */
  async function signerAuthorized(
    agentId: bigint,
    signer: Address,
    issuedAt: bigint,
  ): Promise<boolean> {
    signers ??= readSignerHistory(client, staking, fromBlock);
    return (await signers)(agentId, signer, issuedAt);
  }

  /**
   * Whether `operator` may be paid as the agent's operator for a receipt issued at `issuedAt`:
   * the operator then, or the one it replaced. The runtime reads the operator from the indexer,
   * which can be a few blocks behind a transfer, so an honest receipt may name the previous one.
   */
  async function operatorAllowed(
    agentId: bigint,
    operator: Address,
    issuedAt: bigint,
  ): Promise<boolean> {
    operators ??= operatorHistories(client, staking, fromBlock);
    const history = (await operators).get(agentId) ?? [];
    const current = history.findLastIndex((h) => h.since <= issuedAt);
    return history
      .slice(Math.max(0, current - 1), current + 1)
      .some((h) => isAddressEqual(h.operator, operator));
  }

  return { latestProposedEpoch, roots, signerAuthorized, operatorAllowed };
}

export type ChainFacts = ReturnType<typeof createChainFacts>;

/** Every agent's operators, oldest first, each since its block's time. */
async function operatorHistories(client: PublicClient, staking: Address, fromBlock: bigint) {
  const [registered, transferred] = await Promise.all([
    client.getContractEvents({
      address: staking,
      abi: agentStakingAbi,
      eventName: "AgentRegistered",
      fromBlock,
    }),
    client.getContractEvents({
      address: staking,
      abi: agentStakingAbi,
      eventName: "OperatorTransferred",
      fromBlock,
    }),
  ]);
  const changes = [
    ...registered.map((e) => ({ e, agentId: e.args.agentId, operator: e.args.operator })),
    ...transferred.map((e) => ({ e, agentId: e.args.agentId, operator: e.args.newOperator })),
  ].sort((a, b) =>
    a.e.blockNumber === b.e.blockNumber
      ? a.e.logIndex - b.e.logIndex
      : a.e.blockNumber < b.e.blockNumber
        ? -1
        : 1,
  );
  const times = new Map<bigint, Promise<bigint>>();
  const timeOf = (blockNumber: bigint) => {
    if (!times.has(blockNumber))
      times.set(
        blockNumber,
        client.getBlock({ blockNumber }).then((b) => b.timestamp),
      );
    return times.get(blockNumber) as Promise<bigint>;
  };
  const histories = new Map<bigint, { operator: Address; since: bigint }[]>();
  for (const { e, agentId, operator } of changes) {
    if (agentId === undefined || !operator) continue;
    const history = histories.get(agentId) ?? [];
    history.push({ operator, since: await timeOf(e.blockNumber) });
    histories.set(agentId, history);
  }
  return histories;
}
