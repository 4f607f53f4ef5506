// Attack (issue 13 review): an agent's stakers' leaf is paid into AgentStaking only when someone
// calls claimStakerRewards (prepareClaimStakerRewards: "anyone may call"), and AgentStaking
// donates it to whoever holds the agent's shares at that moment. A newcomer delegates just before
// moving the leaf itself and takes a pro-rata part of rewards earned by calls served while only
// the honest delegator was staked (then unbonds: the unbonding pool keeps what it took).
//
// OPEN, NOT FIXED (issue 13): the flaw is AgentStaking's reward design (rewards raise the share
// price for whoever holds shares when they arrive); the fix belongs in the contract (rewards that
// vest over time, or credited per epoch to the stake that earned them). `it.fails` keeps the
// attack executable: it passes while the attack works, and fails (so must become `it`) once fixed.
import { devnetAccount } from "@tributary/contracts";
import { agentStakingAbi } from "@tributary/contracts/abis";
import { and, eq } from "drizzle-orm";
import { type Hex, parseEther } from "viem";
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

  it.fails("credits the stakers' leaf to those staked while it was earned, not to a late delegator", async () => {
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

    // The attacker delegates as much, then moves the leaf (what prepareClaimStakerRewards sends).
    await delegate("validatorB", parseEther("10"));
    await fixture.send("validatorB", "AttributionSettlement", "claimStakerRewards", [
      agent.agentId,
      rewards,
      JSON.parse(leaf?.proof ?? "[]") as Hex[],
    ]);

    // Fair: the late delegator gains nothing (up to rounding), the honest one all the rewards.
    expect(await assetsOf("validatorB")).toBeLessThanOrEqual(parseEther("10"));
    expect(await assetsOf("validatorA")).toBeGreaterThanOrEqual(parseEther("10") + rewards - 10n);
  });
});
