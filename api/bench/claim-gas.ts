// `npm run bench:claim-gas [-- --leaves 10000 --claims 20]`: the gas of `claim` and
// `claimStakerRewards` against a real root of `--leaves` earner leaves on anvil. The root is the
// settlement code's own tree (agents' `settlementTree`), posted by the devnet settler over tokens
// a payer's voucher really redeemed, so the contract verifies proofs exactly as in production.
import { parseArgs } from "node:util";
import { emptyCumulative, settlementTree, signVoucher, totalOf } from "@tributary/agents";
import { devnetAccount } from "@tributary/contracts";
import { type Address, getAddress, type Hex, keccak256, parseEther, toHex } from "viem";
import { createSettlementFixture } from "../src/settlement/devnet-fixture.ts";

const { values } = parseArgs({
  options: {
    leaves: { type: "string", default: "10000" },
    claims: { type: "string", default: "20" },
  },
});
const LEAVES = Number(values.leaves);
const CLAIMS = Math.min(Number(values.claims), LEAVES);
const log = (fields: Record<string, unknown>) => console.log(JSON.stringify(fields));

const fixture = await createSettlementFixture();
try {
  const { chain, send } = fixture;
  const settlement = chain.address("AttributionSettlement");
  // Earners with varied amounts, half of them earning votes; the agent's stakers as one leaf.
  const cumulative = emptyCumulative();
  for (let i = 0; i < LEAVES; i++) {
    const account = getAddress(`0x${keccak256(toHex(`earner${i}`)).slice(26)}`) as Address;
    const earned = parseEther("0.001") * BigInt(1 + (i % 7));
    cumulative.earners.set(account, { earned, voteEligible: i % 2 === 0 ? earned : 0n });
  }
  await fixture.registerAgent();
  cumulative.stakers.set(fixture.agent.agentId, parseEther("0.5"));
  const tree = settlementTree(cumulative);
  const total = totalOf(cumulative);

  // The tokens behind the root: a payer's voucher for exactly the total, redeemed.
  await fixture.fund("payer", total);
  const expiry = BigInt(Math.floor(Date.now() / 1000) + 86_400);
  const payer = devnetAccount("payer");
  const signature = await signVoucher(payer, {
    chainId: chain.chainId,
    settlement,
    cumulativeAmount: total,
    expiry,
  });
  await send("settler", "AttributionSettlement", "redeemVouchers", [
    [{ payer: payer.address, cumulativeAmount: total, expiry }],
    [signature],
    [total],
  ]);
  const dataHash = keccak256(toHex("claim-gas bench"));
  await send("settler", "AttributionSettlement", "proposeRoot", [
    1n,
    tree.root,
    total,
    dataHash,
    "bench://claim-gas",
  ]);
  await fixture.advance(3601);
  // The delegation that lets AgentStaking take the stakers' rewards.
  const staking = chain.address("AgentStaking");
  await send("deployer", "TributaryToken", "mint", [
    devnetAccount("contributorB").address,
    parseEther("10"),
  ]);
  await send("contributorB", "TributaryToken", "approve", [staking, parseEther("10")]);
  await send("contributorB", "AgentStaking", "delegate", [fixture.agent.agentId, parseEther("10")]);

  const gasOf = async (functionName: string, args: unknown[]) =>
    (await send("validatorA", "AttributionSettlement", functionName, args)).gasUsed;
  const claims: { proofLength: number; votes: boolean; gas: bigint }[] = [];
  const step = Math.max(1, Math.floor(LEAVES / CLAIMS));
  for (let i = 0; i < LEAVES && claims.length < CLAIMS; i += step) {
    const [kind, account, , amount, votes] = tree.values[i] as (typeof tree.values)[number];
    if (kind !== 0) continue;
    const proof: Hex[] = tree.getProof(i);
    const gas = await gasOf("claim", [account, amount, votes, proof]);
    claims.push({ proofLength: proof.length, votes: votes > 0n, gas });
  }
  const stakersIndex = tree.values.findIndex(([kind]) => kind === 1);
  const [, , agentId, stakersAmount] = tree.values[stakersIndex] as (typeof tree.values)[number];
  const stakersGas = await gasOf("claimStakerRewards", [
    agentId,
    stakersAmount,
    tree.getProof(stakersIndex),
  ]);
  const sorted = claims.map((c) => c.gas).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  log({
    bench: "claim gas",
    leaves: tree.values.length,
    claims: claims.length,
    firstClaimGas: claims[0]?.gas.toString(),
    medianClaimGas: sorted[Math.floor(sorted.length / 2)]?.toString(),
    maxClaimGas: sorted.at(-1)?.toString(),
    byProofLength: Object.fromEntries(
      [...new Set(claims.map((c) => c.proofLength))].map((n) => [
        n,
        claims.filter((c) => c.proofLength === n).map((c) => `${c.gas}${c.votes ? "+votes" : ""}`),
      ]),
    ),
    claimStakerRewardsGas: stakersGas.toString(),
  });
} finally {
  await fixture.stop();
}
