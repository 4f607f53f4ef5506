// Attack (issue 13 review): an agent's stakers' leaf is paid into AgentStaking only when someone
// calls claimStakerRewards (prepareClaimStakerRewards: "anyone may call"). AgentStaking used to
// donate it at once to whoever held the agent's shares at that moment, so a newcomer could
// delegate just before moving the leaf itself, take a pro-rata part of rewards earned by calls
// served while only the honest delegator was staked, and unbond right after.
//
// FIXED (issue 13): rewards vest into the active pool linearly over AgentStaking's
// `rewardVestingPeriod` (RewardVesting.sol; 1 hour on the devnet), paying the stake held through
// that window. In the block the leaf moves nothing has vested, so the attacker who unbonds there
// leaves with at most its deposit; one that stayed would earn only what vests while its stake is
// at risk. Once the period has passed the honest delegator holds its deposit plus the rewards.
import { abiOf, DEVNET_PARAMS, devnetAccount } from "@tributary/contracts";
import { agentStakingAbi } from "@tributary/contracts/abis";
import { and, eq } from "drizzle-orm";
import { createWalletClient, type Hex, http, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settlementLeaf } from "../db/schema.ts";
import { createSettlementFixture, type SettlementFixture } from "./devnet-fixture.ts";
import { settleOnce } from "./service.ts";

describe("stakers' rewards and a delegator who joins after the calls (anvil + PGlite)", () => {
  let fixture: SettlementFixture;

  beforeAll(async () => {
    fixture = await createSettlementFixture();
    await fixture.fund("payer", parseEther("100"));
    await fixture.registerAgent();
  }, 120_000);
  afterAll(async () => {
    await fixture?.stop();
  });

  it("credits the stakers' leaf to those staked while it was earned, not to a late delegator", async () => {
    const { chain, app, deps, agent } = fixture;
    const staking = chain.address("AgentStaking");
    const delegate = async (role: "validatorA" | "validatorB", assets: bigint) => {
      await fixture.send("deployer", "TributaryToken", "mint", [
        devnetAccount(role).address,
        assets,
      ]);
      await fixture.send(role, "TributaryToken", "approve", [staking, assets]);
      await fixture.send(role, "AgentStaking", "delegate", [agent.agentId, assets]);
    };
    const assetsOf = async (role: "validatorA" | "validatorB") => {
      const shares = await chain.publicClient.readContract({
        address: staking,
        abi: agentStakingAbi,
        functionName: "sharesOf",
        args: [agent.agentId, devnetAccount(role).address],
      });
      return chain.publicClient.readContract({
        address: staking,
        abi: agentStakingAbi,
        functionName: "convertToAssets",
        args: [agent.agentId, shares],
      });
    };

    // The honest delegator is staked while the agent serves and earns.
    await delegate("validatorA", parseEther("10"));
    await fixture.call("payer", parseEther("20"), parseEther("50"));
    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 1n });
    await fixture.advance(3601);
    const [leaf] = await app.db
      .select()
      .from(settlementLeaf)
      .where(and(eq(settlementLeaf.epoch, 1n), eq(settlementLeaf.kind, 1)));
    const rewards = BigInt(leaf?.cumulativeAmount ?? 0);
    expect(rewards).toBeGreaterThan(0n);

    // The attacker delegates as much, then moves the leaf (what prepareClaimStakerRewards sends)
    // and unbonds in the same block.
    await delegate("validatorB", parseEther("10"));
    const attacker = devnetAccount("validatorB");
    const shares = await chain.publicClient.readContract({
      address: staking,
      abi: agentStakingAbi,
      functionName: "sharesOf",
      args: [agent.agentId, attacker.address],
    });
    const wallet = createWalletClient({
      account: attacker,
      chain: chain.chain,
      transport: http(fixture.anvil.rpcUrl),
    });
    const anvil = (method: string, params: unknown[]) =>
      chain.publicClient.request({ method: method as never, params: params as never });
    await anvil("evm_setAutomine", [false]);
    const hashes = [
      await wallet.writeContract({
        address: chain.address("AttributionSettlement"),
        abi: abiOf("AttributionSettlement"),
        functionName: "claimStakerRewards",
        args: [agent.agentId, rewards, JSON.parse(leaf?.proof ?? "[]") as Hex[]],
        gas: 500_000n,
      }),
      await wallet.writeContract({
        address: staking,
        abi: agentStakingAbi,
        functionName: "unbond",
        args: [agent.agentId, shares],
        gas: 500_000n,
      }),
    ];
    await anvil("evm_mine", []);
    await anvil("evm_setAutomine", [true]);
    const receipts = await Promise.all(
      hashes.map((hash) => chain.publicClient.waitForTransactionReceipt({ hash })),
    );
    expect(receipts.map((r) => r.status)).toEqual(["success", "success"]);
    expect(receipts[0]?.blockNumber).toBe(receipts[1]?.blockNumber);

    // Fair: the late delegator leaves with no more than it put in; the rewards vest, all of them,
    // to the honest one.
    const unbondingId = await chain.publicClient.readContract({
      address: staking,
      abi: agentStakingAbi,
      functionName: "unbondingCount",
    });
    const exit = await chain.publicClient.readContract({
      address: staking,
      abi: agentStakingAbi,
      functionName: "previewWithdraw",
      args: [unbondingId],
    });
    expect(exit).toBeGreaterThan(0n);
    expect(exit).toBeLessThanOrEqual(parseEther("10"));
    await fixture.advance(Number(DEVNET_PARAMS.staking.rewardVestingPeriod) + 1);
    expect(await assetsOf("validatorA")).toBeGreaterThanOrEqual(parseEther("10") + rewards - 10n);
  });
});
