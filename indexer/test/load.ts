// Many protocol transactions, fast: signed locally, sent in JSON-RPC batches with automine
// off, mined `perBlock` at a time. Used by the restart test and the benchmark.
import { contributionCommitment, type DevnetRole } from "@tributary/contracts";
import {
  agentStakingAbi,
  attributionSettlementAbi,
  datanetRegistryAbi,
  tributaryTokenAbi,
} from "@tributary/contracts/abis";
import {
  type Abi,
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  maxUint256,
  parseEther,
  toHex,
} from "viem";
import { devnetAccount } from "./accounts.ts";
import type { TestChain } from "./chain.ts";

const ACTORS: DevnetRole[] = [
  "contributorA",
  "contributorB",
  "builder",
  "operator",
  "payer",
  "curator",
];

interface Call {
  role: DevnetRole;
  to: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

export interface LoadResult {
  transactions: number;
  blocks: number;
  logs: number;
}

/** Sends `calls` (each signed with the next nonce of its sender) and mines them `perBlock` at a time. */
export async function sendCalls(chain: TestChain, calls: Call[], perBlock = 500): Promise<number> {
  const nonces = new Map<DevnetRole, number>();
  const gasPrice = 2_000_000_000n;
  let blocks = 0;
  await chain.rpc("evm_setAutomine", [false]);
  try {
    for (let start = 0; start < calls.length; start += perBlock) {
      const batch = calls.slice(start, start + perBlock);
      const raws: Hex[] = [];
      for (const call of batch) {
        const account = devnetAccount(call.role);
        let nonce = nonces.get(call.role);
        if (nonce === undefined)
          nonce = await chain.publicClient.getTransactionCount({
            address: account.address,
            blockTag: "pending",
          });
        nonces.set(call.role, nonce + 1);
        raws.push(
          await account.signTransaction({
            chainId: chain.anvil.chainId,
            type: "legacy",
            to: call.to,
            data: encodeFunctionData({
              abi: call.abi,
              functionName: call.functionName,
              args: call.args,
            }),
            nonce,
            gas: 400_000n,
            gasPrice,
          }),
        );
      }
      const body = raws.map((raw, i) => ({
        jsonrpc: "2.0",
        id: i,
        method: "eth_sendRawTransaction",
        params: [raw],
      }));
      const response = (await (
        await fetch(chain.anvil.rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        })
      ).json()) as { error?: { message: string } }[];
      const failed = response.find((r) => r.error);
      if (failed) throw new Error(`eth_sendRawTransaction failed: ${failed.error?.message}`);
      await chain.rpc("evm_mine", []);
      blocks++;
    }
  } finally {
    await chain.rpc("evm_setAutomine", [true]);
  }
  return blocks;
}

/**
 * `rounds` rounds in which every actor deposits escrow, delegates stake and contributes to a
 * Datanet whose validator accepts it (after committing to it): 10 protocol events per actor and round.
 */
export async function generateLoad(
  chain: TestChain,
  rounds: number,
  perBlock = 500,
): Promise<LoadResult> {
  const c = chain.deployment.contracts;
  const token = c.TributaryToken.address;
  const call = (
    role: DevnetRole,
    to: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
  ): Call => ({ role, to, abi, functionName, args });
  await chain.rpc("evm_setBlockGasLimit", [toHex(10_000_000_000n)]);
  const setup: Call[] = [
    call("validatorA", c.DatanetRegistry.address, datanetRegistryAbi as Abi, "createDatanet", [
      "load",
      "ipfs://load",
      [devnetAccount("validatorA").address],
      1,
      parseEther("1"),
    ]),
  ];
  for (const role of ACTORS) {
    setup.push(
      call("deployer", token, tributaryTokenAbi as Abi, "mint", [
        devnetAccount(role).address,
        parseEther("100000000"),
      ]),
    );
    for (const spender of [
      c.DatanetRegistry.address,
      c.AgentStaking.address,
      c.AttributionSettlement.address,
    ]) {
      setup.push(call(role, token, tributaryTokenAbi as Abi, "approve", [spender, maxUint256]));
    }
  }
  // After the approvals: registerAgent pulls the operator's self-bond (large enough for every
  // round's delegations under the delegation cap).
  setup.push(
    call("operator", c.AgentStaking.address, agentStakingAbi as Abi, "registerAgent", [
      keccak256(toHex("load-agent")),
      "ipfs://load-agent",
      0n,
      parseEther("1000000"),
    ]),
  );
  let blocks = await sendCalls(chain, setup, perBlock);
  const datanetId = await chain.publicClient.readContract({
    address: c.DatanetRegistry.address,
    abi: datanetRegistryAbi,
    functionName: "datanetCount",
  });
  const agentId = await chain.publicClient.readContract({
    address: c.AgentStaking.address,
    abi: agentStakingAbi,
    functionName: "agentCount",
  });
  let contributionId = await chain.publicClient.readContract({
    address: c.DatanetRegistry.address,
    abi: datanetRegistryAbi,
    functionName: "contributionCount",
  });
  // Contributions are commit-reveal: every commitment is mined (in blocks of its own) before
  // the contributions that reveal it.
  const salt = keccak256(toHex("load-salt"));
  const content = (round: number, role: DevnetRole) =>
    keccak256(toHex(`load-${chain.anvil.port}-${round}-${role}`));
  const commits: Call[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const role of ACTORS) {
      commits.push(
        call(role, c.DatanetRegistry.address, datanetRegistryAbi as Abi, "commitContent", [
          contributionCommitment(
            datanetId,
            content(round, role),
            devnetAccount(role).address,
            salt,
          ),
        ]),
      );
    }
  }
  blocks += await sendCalls(chain, commits, perBlock);
  const calls: Call[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const role of ACTORS) {
      calls.push(
        call(role, c.AttributionSettlement.address, attributionSettlementAbi as Abi, "deposit", [
          parseEther("1"),
        ]),
      );
      calls.push(
        call(role, c.AgentStaking.address, agentStakingAbi as Abi, "delegate", [
          agentId,
          parseEther("1"),
        ]),
      );
      calls.push(
        call(role, c.DatanetRegistry.address, datanetRegistryAbi as Abi, "contribute", [
          datanetId,
          content(round, role),
          "ipfs://c",
          parseEther("1"),
          salt,
        ]),
      );
      contributionId++;
      calls.push(
        call("validatorA", c.DatanetRegistry.address, datanetRegistryAbi as Abi, "vote", [
          contributionId,
          true,
        ]),
      );
    }
  }
  blocks += await sendCalls(chain, calls, perBlock);
  return {
    transactions: setup.length + commits.length + calls.length,
    blocks,
    logs: await countProtocolLogs(chain),
  };
}

/** Every log of the protocol's contracts so far, counted a few blocks at a time (responses stay small). */
export async function countProtocolLogs(chain: TestChain): Promise<number> {
  const address = Object.values(chain.deployment.contracts).map((x) => x.address);
  const head = await chain.publicClient.getBlockNumber();
  let count = 0;
  for (let from = BigInt(chain.deployment.startBlock); from <= head; from += 5n) {
    const to = from + 4n > head ? head : from + 4n;
    count += (await chain.publicClient.getLogs({ address, fromBlock: from, toBlock: to })).length;
  }
  return count;
}
