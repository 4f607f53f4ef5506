// Contributions made straight on the chain (as a contributor's wallet would), for RAG tests.
import { createHash } from "node:crypto";
import {
  contributionCommitment,
  type DevnetRole,
  devnetAccount,
  randomSalt,
} from "@tributary/contracts";
import { datanetRegistryAbi, tributaryTokenAbi } from "@tributary/contracts/abis";
import { createWalletClient, type Hex, http, parseEther, parseEventLogs } from "viem";
import type { Stack } from "./stack.ts";

export const sha256 = (text: string): Hex =>
  `0x${createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex")}`;

export function chainActions(s: Stack) {
  const registry = s.deployment.contracts.DatanetRegistry.address;
  const token = s.deployment.contracts.TributaryToken.address;
  const send = async (
    role: DevnetRole,
    abi: typeof datanetRegistryAbi | typeof tributaryTokenAbi,
    to: Hex,
    functionName: string,
    args: unknown[],
  ) => {
    const wallet = createWalletClient({
      account: devnetAccount(role),
      chain: s.publicClient.chain,
      transport: http(s.anvil.rpcUrl),
    });
    const hash = await wallet.writeContract({ abi, address: to, functionName, args } as never);
    const receipt = await s.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
    return receipt;
  };
  return {
    /** Registers `text` (by its sha256) to a Datanet; returns the contribution id. */
    async contribute(role: DevnetRole, datanetId: bigint, text: string): Promise<bigint> {
      await send(role, tributaryTokenAbi, token, "approve", [registry, parseEther("10")]);
      // Commit, then reveal in a later block (protocol v2's M4: the commitment binds the sender).
      const salt = randomSalt();
      const hash = sha256(text);
      await send(role, datanetRegistryAbi, registry, "commitContent", [
        contributionCommitment(datanetId, hash, devnetAccount(role).address, salt),
      ]);
      const receipt = await send(role, datanetRegistryAbi, registry, "contribute", [
        datanetId,
        hash,
        "test:content",
        parseEther("10"),
        salt,
      ]);
      const [event] = parseEventLogs({
        abi: datanetRegistryAbi,
        logs: receipt.logs,
        eventName: "ContributionSubmitted",
      } as never) as unknown as { args: { contributionId: bigint } }[];
      if (!event) throw new Error("no ContributionSubmitted event");
      return event.args.contributionId;
    },
    /** Both devnet validators vote (2 of 2 resolves it). */
    async resolve(id: bigint, accept: boolean) {
      for (const v of ["validatorA", "validatorB"] as const)
        await send(v, datanetRegistryAbi, registry, "vote", [id, accept]);
    },
    withdraw: (role: DevnetRole, id: bigint) =>
      send(role, datanetRegistryAbi, registry, "withdrawContribution", [id]),
    rpc: (method: string, params: unknown[] = []) =>
      s.publicClient.request({ method: method as never, params: params as never }),
  };
}
