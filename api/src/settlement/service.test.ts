// One settlement epoch against a real protocol on anvil and a real app database: receipts taken,
// redeemed exactly, split, published, posted; a payer short of escrow; a crash after the
// redemption landed; a second run while the root is open.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  emptyCumulative,
  epochFileHash,
  LEAF_ENCODING,
  parseEpochFile,
  settleEpochFile,
} from "@tributary/agents";
import { devnetAccount } from "@tributary/contracts";
import { agentStakingAbi, attributionSettlementAbi } from "@tributary/contracts/abis";
import { and, asc, eq } from "drizzle-orm";
import { type Address, type Hex, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChainService } from "../chain/index.ts";
import type { AppDatabase } from "../db/index.ts";
import {
  invocation,
  payerLedger,
  payoutOutbox,
  settlementEpoch,
  settlementFile,
  settlementLeaf,
} from "../db/schema.ts";
import { accruedEventsOfCall } from "../payouts/accrued.ts";
import type { PayoutEvent } from "../payouts/events.ts";
import type { SettlementDeps } from "./deps.ts";
import { createSettlementFixture, type SettlementFixture } from "./devnet-fixture.ts";
import { redeemEpoch } from "./redeem.ts";
import { settleOnce } from "./service.ts";
import { readSignerHistory } from "./signer-history.ts";

describe("settlement service (anvil + PGlite)", () => {
  let fixture: SettlementFixture;
  let chain: ChainService;
  let app: AppDatabase;
  let deps: SettlementDeps;
  const call: SettlementFixture["call"] = (...args) => fixture.call(...args);
  const ledgerOf: SettlementFixture["ledgerOf"] = (payer) => fixture.ledgerOf(payer);
  /** What the settlement queued for `payouts` subscribers (nothing relays it here). */
  const queued = async (): Promise<PayoutEvent[]> =>
    (await app.db.select().from(payoutOutbox).orderBy(asc(payoutOutbox.id))).map((r) => r.event);
  let wakes = 0;

  const read = (functionName: "redeemedOf" | "escrowOf", payer: Address) =>
    chain.publicClient.readContract({
      address: chain.address("AttributionSettlement"),
      abi: attributionSettlementAbi,
      functionName,
      args: [payer],
    }) as Promise<bigint>;

  beforeAll(async () => {
    fixture = await createSettlementFixture();
    ({ chain, app, deps } = fixture);
    await fixture.fund("payer", parseEther("10"));
    await fixture.fund("contributorA", parseEther("1"));
    deps = { ...deps, payoutsQueued: () => wakes++ };
    // The fixture's receipts are signed by a key the agent's operator authorized on chain.
    await fixture.registerAgent();
  }, 120_000);
  afterAll(async () => {
    await fixture?.stop();
  });

  it("redeems exactly what the epoch's receipts charged, leaves out what escrow cannot cover, and posts a root anyone can recompute", async () => {
    const payer = devnetAccount("payer").address;
    const short = devnetAccount("contributorA").address;
    await call("payer", parseEther("1"), parseEther("5"));
    await call("payer", parseEther("2"), parseEther("5"));
    const paidShort = await call("contributorA", parseEther("0.6"), parseEther("5"));
    const unpaidShort = await call("contributorA", parseEther("0.6"), parseEther("5"));
    const escrowBefore = await read("escrowOf", payer);

    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 1n });
    expect(await read("redeemedOf", payer)).toBe(parseEther("3"));
    expect(escrowBefore - (await read("escrowOf", payer))).toBe(parseEther("3"));
    expect(await read("redeemedOf", short)).toBe(parseEther("0.6"));
    const status = async (requestId: string) =>
      (
        await app.db
          .select()
          .from(invocation)
          .where(and(eq(invocation.payer, short), eq(invocation.requestId, requestId)))
      )[0]?.settlement;
    expect(await status(paidShort)).toBe("PAID");
    expect(await status(unpaidShort)).toBe("UNPAID");
    // The unpaid call's payees were told of its credit: they are told it is reverted, once,
    // queued with the outcome (the relay is woken once).
    const [unpaidCall] = await app.db
      .select()
      .from(invocation)
      .where(and(eq(invocation.payer, short), eq(invocation.requestId, unpaidShort)));
    const accrued = accruedEventsOfCall(unpaidCall as never, deps.protocolAccount, () => null);
    expect(accrued.length).toBeGreaterThan(2);
    expect(await queued()).toEqual(
      accrued.map((event) => expect.objectContaining({ revertedId: event.id, reason: "UNPAID" })),
    );
    expect(wakes).toBe(1);
    // What cannot be paid is written off the payer's books; what was redeemed is marked so.
    expect(await ledgerOf(short)).toMatchObject({
      charged: parseEther("0.6").toString(),
      chargedRedeemed: parseEther("0.6").toString(),
    });

    const [epoch] = await app.db
      .select()
      .from(settlementEpoch)
      .where(eq(settlementEpoch.epoch, 1n));
    const onChain = (await chain.publicClient.readContract({
      address: chain.address("AttributionSettlement"),
      abi: attributionSettlementAbi,
      functionName: "rootOf",
      args: [1n],
    })) as { root: Hex; totalCumulative: bigint; dataHash: Hex };
    expect(onChain.root).toBe(epoch?.root);
    expect(onChain.totalCumulative).toBe(parseEther("3.6"));
    expect(onChain.dataHash).toBe(epoch?.dataHash);

    // The published file names itself and recomputes the root and data hash.
    const [file] = await app.db.select().from(settlementFile).where(eq(settlementFile.epoch, 1n));
    expect(epochFileHash(file?.body ?? "")).toBe(file?.hash);
    const again = await settleEpochFile(parseEpochFile(file?.body ?? ""), emptyCumulative(), {
      protocol: deps.protocolAccount,
      training: () => null,
    });
    expect(again.problems).toEqual([]);
    expect(again.tree?.root).toBe(onChain.root);
    expect(again.dataHash).toBe(onChain.dataHash);

    // Every stored proof verifies against the posted root.
    const leaves = await app.db.select().from(settlementLeaf).where(eq(settlementLeaf.epoch, 1n));
    expect(leaves.length).toBeGreaterThan(3);
    for (const leaf of leaves) {
      const value = [
        leaf.kind,
        leaf.account,
        BigInt(leaf.agentId),
        BigInt(leaf.cumulativeAmount),
        BigInt(leaf.cumulativeVoteEligible),
      ];
      expect(
        StandardMerkleTree.verify(onChain.root, [...LEAF_ENCODING], value, JSON.parse(leaf.proof)),
      ).toBe(true);
    }

    // The next epoch waits while this root is open.
    await call("payer", parseEther("0.5"), parseEther("5"));
    expect((await settleOnce(deps)).kind).toBe("waiting");
  });

  it("a run that crashed after its redemption landed finishes the epoch without redeeming again", async () => {
    const payer = devnetAccount("payer").address;
    await app.db.delete(payoutOutbox);
    await fixture.advance(7 * 86_400);
    // The pending call from the test above, plus one more, go to epoch 2.
    await call("payer", parseEther("0.25"), parseEther("5"));
    const redeemedBefore = await read("redeemedOf", payer);
    const { assignReceipts } = await import("./assign.ts");
    expect(await assignReceipts(app.db, 2n, (await chain.publicClient.getBlock()).timestamp)).toBe(
      2,
    );
    await redeemEpoch(deps, 2n);
    expect(await read("redeemedOf", payer)).toBe(redeemedBefore + parseEther("0.75"));
    // Crash: the chain has the redemption, the database lost everything after the plan.
    await app.db
      .update(settlementEpoch)
      .set({ status: "PLANNED" })
      .where(eq(settlementEpoch.epoch, 2n));
    await app.db.update(invocation).set({ settlement: "PENDING" }).where(eq(invocation.epoch, 2n));
    const ledger = await ledgerOf(payer);
    await app.db
      .update(payerLedger)
      .set({ chargedRedeemed: String(BigInt(ledger.chargedRedeemed) - parseEther("0.75")) })
      .where(eq(payerLedger.payer, payer));

    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 2n });
    expect(await read("redeemedOf", payer)).toBe(redeemedBefore + parseEther("0.75"));
    expect((await ledgerOf(payer)).chargedRedeemed).toBe(ledger.chargedRedeemed);
    const rows = await app.db.select().from(invocation).where(eq(invocation.epoch, 2n));
    expect(rows.map((r) => r.settlement)).toEqual(["PAID", "PAID"]);
    // Every call of epoch 2 was paid: nothing was reverted.
    expect(await queued()).toEqual([]);
  });

  it("charges nothing for a receipt signed while the agent's signer was revoked on chain", async () => {
    const payer = devnetAccount("payer").address;
    const { agentId, signer } = fixture.agent;
    const setSigner = (authorized: boolean) =>
      fixture.send("operator", "AgentStaking", "setAgentSigner", [
        agentId,
        signer.address,
        authorized,
      ]);
    await setSigner(false);
    await fixture.advance(5);
    const revoked = await call("payer", parseEther("0.5"), parseEther("5"));
    await fixture.advance(5);
    await setSigner(true);
    const signed = await call("payer", parseEther("0.25"), parseEther("5"));
    await fixture.advance(3601); // root 2's challenge delay
    const redeemedBefore = await read("redeemedOf", payer);
    const chargedBefore = BigInt((await ledgerOf(payer)).charged);

    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 3n });
    expect(await read("redeemedOf", payer)).toBe(redeemedBefore + parseEther("0.25"));
    expect(BigInt((await ledgerOf(payer)).charged)).toBe(chargedBefore - parseEther("0.5"));
    const rows = await app.db.select().from(invocation).where(eq(invocation.epoch, 3n));
    expect(Object.fromEntries(rows.map((r) => [r.requestId, r.settlement]))).toEqual({
      [revoked]: "UNPAID",
      [signed]: "PAID",
    });
    // Its payees were told their accrued shares will not be paid; the file leaves it out.
    const reverted = await queued();
    expect(reverted.length).toBeGreaterThan(0);
    expect(reverted.every((e) => e.kind === "PayoutReverted" && e.reason === "UNPAID")).toBe(true);
    const [epoch3] = await app.db
      .select()
      .from(settlementEpoch)
      .where(eq(settlementEpoch.epoch, 3n));
    const [file] = await app.db
      .select()
      .from(settlementFile)
      .where(eq(settlementFile.hash, epoch3?.fileHash ?? ""));
    expect(parseEpochFile(file?.body ?? "").receipts).toHaveLength(1);
  });

  it("reads the signer history page by page as in one query, matching isAgentSignerAt", async () => {
    const staking = chain.address("AgentStaking");
    const { agentId, signer } = fixture.agent;
    const whole = await readSignerHistory(chain.publicClient, staking, 0n, 1_000_000n);
    const paged = await readSignerHistory(chain.publicClient, staking, 0n, 2n);
    const now = (await chain.publicClient.getBlock()).timestamp;
    // Every second around the revocation and re-authorization of the test above, and before.
    for (let t = now - 3700n; t <= now; t += 1n) {
      const answer = whole(agentId, signer.address, t);
      expect(paged(agentId, signer.address, t), String(t)).toBe(answer);
      if (t % 50n === 0n || t > now - 3620n)
        expect(
          await chain.publicClient.readContract({
            address: staking,
            abi: agentStakingAbi,
            functionName: "isAgentSignerAt",
            args: [agentId, signer.address, t],
          }),
          String(t),
        ).toBe(answer);
    }
  });
});
