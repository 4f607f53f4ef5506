// Attack (issue 13 review): the runtime stamps a receipt with its own clock, which can run ahead
// of the chain's. An operator who revokes its agent's signer in a block whose time is at or
// before a receipt's issuedAt makes that receipt unauthorized after the fact. Before the fix the
// plan charged it and the build then refused it, so buildEpoch threw on every run and no later
// epoch could settle. Now a receipt waits until the chain has passed its issuedAt, is judged
// then (unpaid, not charged), and an epoch with nothing paid is dropped, not stalled.
import { parseEpochReceipt, receiptDomain, signReceipt } from "@tributary/agents";
import { devnetAccount } from "@tributary/contracts";
import { attributionSettlementAbi } from "@tributary/contracts/abis";
import { eq } from "drizzle-orm";
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonSafe } from "../agents/receipt-lists.ts";
import { invocation } from "../db/schema.ts";
import { assignReceipts } from "./assign.ts";
import { createSettlementFixture, type SettlementFixture } from "./devnet-fixture.ts";
import { settleOnce } from "./service.ts";

describe("signer revoked after a call, at or before its issuedAt (anvil + PGlite)", () => {
  let fixture: SettlementFixture;

  beforeAll(async () => {
    fixture = await createSettlementFixture();
    await fixture.fund("payer", parseEther("10"));
    await fixture.registerAgent();
  }, 120_000);
  afterAll(async () => {
    await fixture?.stop();
  });

  it("charges nothing for the call and never stalls an epoch", async () => {
    const { chain, app, deps, agent } = fixture;
    const payer = devnetAccount("payer").address;
    // A call served by the runtime: issuedAt is the service's clock (issue-receipt.ts), a few
    // seconds past the chain's last block (blocks lag the wall clock; sequencer timestamps lag).
    const requestId = await fixture.call("payer", parseEther("1"), parseEther("5"));
    const last = (await chain.publicClient.getBlock()).timestamp;
    const issuedAt = last + 10n;
    const [row] = await app.db.select().from(invocation).where(eq(invocation.requestId, requestId));
    const stored = JSON.parse(row?.receipt as string);
    const { message } = parseEpochReceipt({ ...stored, operator: agent.operator }, "receipt");
    const signed = await signReceipt(
      agent.signer,
      receiptDomain(chain.chainId, chain.address("AgentStaking")),
      { ...message, issuedAt },
    );
    await app.db
      .update(invocation)
      .set({ receipt: JSON.stringify(jsonSafe({ ...signed, lists: stored.lists })) })
      .where(eq(invocation.requestId, requestId));

    // The receipt is ahead of the chain's clock: whether its signer was authorized at issuedAt
    // is not final yet (a later block could still land at or before it), so it waits.
    const head = (await chain.publicClient.getBlock()).timestamp;
    expect(await assignReceipts(app.db, 1n, head)).toBe(0);
    expect(await settleOnce(deps)).toEqual({ kind: "nothing-to-settle" });

    // The operator revokes its signer now: the block's time is not after the receipt's issuedAt.
    const revoke = await fixture.send("operator", "AgentStaking", "setAgentSigner", [
      agent.agentId,
      agent.signer.address,
      false,
    ]);
    const revokedAt = (await chain.publicClient.getBlock({ blockNumber: revoke.blockNumber }))
      .timestamp;
    expect(revokedAt).toBeLessThanOrEqual(issuedAt);

    // Once the chain passes issuedAt the call is taken: its signer was not authorized then, so
    // it is not charged, and the epoch (nothing in it paid) is dropped rather than stalled.
    await fixture.advance(20);
    expect(await settleOnce(deps)).toEqual({ kind: "nothing-to-settle" });
    const [row2] = await app.db
      .select()
      .from(invocation)
      .where(eq(invocation.requestId, requestId));
    expect(row2?.settlement).toBe("UNPAID");
    const redeemed = await chain.publicClient.readContract({
      address: chain.address("AttributionSettlement"),
      abi: attributionSettlementAbi,
      functionName: "redeemedOf",
      args: [payer],
    });
    expect(redeemed).toBe(0n);

    // The epoch number was not used up: the next paid call settles as epoch 1.
    await fixture.send("operator", "AgentStaking", "setAgentSigner", [
      agent.agentId,
      agent.signer.address,
      true,
    ]);
    await fixture.call("payer", parseEther("1"), parseEther("5"));
    expect(await settleOnce(deps)).toEqual({ kind: "proposed", epoch: 1n });
  });
});
