import { splitReceipt } from "@tributary/agents";
import { type Address, getAddress, parseEther } from "viem";
import { describe, expect, it } from "vitest";
import { storedReceipt } from "../settlement/build.ts";
import { accruedEvents, accruedEventsOfCall } from "./accrued.ts";
import { revertPayout } from "./events.ts";
import {
  contributor,
  operator,
  other,
  owner,
  payer,
  protocol,
  storedCall,
} from "./receipt-fixture.ts";

/** The fixture's adapters name no training manifest. */
const none = () => null;

describe("accrued payouts of a receipt", () => {
  it("one event per payee account, its roles summed; with the stakers' part they sum to the price", async () => {
    const price = parseEther("1.234567890123456789");
    const call = await storedCall("call-1", price);
    const receipt = storedReceipt(call, "call-1");
    const events = accruedEvents(receipt, protocol, none);
    const split = splitReceipt(
      { ...receipt.message, ...receipt.lists, protocol, operator },
      () => null,
    );

    const accounts = events.map((e) => e.account);
    expect(new Set(accounts).size).toBe(accounts.length);
    expect(new Set(accounts)).toEqual(new Set([protocol, operator, owner, contributor, other]));
    const total = events.reduce((sum, e) => sum + BigInt(e.amount), 0n);
    expect(split.stakers.amount).toBeGreaterThan(0n);
    expect(total + split.stakers.amount).toBe(price);
    for (const e of events) {
      expect(BigInt(e.amount)).toBe(e.shares.reduce((sum, s) => sum + BigInt(s.amount), 0n));
      const fromSplit = split.shares.filter((s) => getAddress(s.account) === e.account);
      expect(e.shares).toEqual(
        fromSplit.map((s) => ({ role: s.role, amount: s.amount.toString() })),
      );
    }
    const byAccount = (a: Address) => events.find((e) => e.account === a);
    expect(byAccount(operator)?.shares.map((s) => s.role)).toEqual(["operator", "adapter"]);
    expect(
      byAccount(contributor)
        ?.shares.map((s) => s.role)
        .sort(),
    ).toEqual(["citation", "retrieval", "span"]);
    expect(byAccount(owner)).toMatchObject({
      kind: "PayoutAccrued",
      payer,
      requestId: receipt.message.requestId,
      agentId: "1",
      policyVersion: 1,
      issuedAt: "1700000000",
    });
  });

  it("names each event alike wherever it is computed, and apart across payers and request ids", async () => {
    const call = await storedCall("call-2", parseEther("0.5"));
    const fromText = accruedEventsOfCall(call, protocol, none);
    const fromDecoded = accruedEventsOfCall(
      { ...call, receipt: JSON.parse(call.receipt) },
      protocol,
      none,
    );
    expect(fromDecoded).toEqual(fromText);
    const ids = fromText.map((e) => e.id);
    expect(ids.every((id) => id.startsWith(`PayoutAccrued:${payer}:`))).toBe(true);
    const another = accruedEventsOfCall(
      await storedCall("call-3", parseEther("0.5")),
      protocol,
      none,
    );
    expect(another.map((e) => e.id).filter((id) => ids.includes(id))).toEqual([]);
    // An UNPAID revert computed later names the accrued event it undoes.
    const revert = revertPayout(fromText[0] as (typeof fromText)[number], "UNPAID");
    expect(revert).toMatchObject({ revertedId: ids[0], account: fromText[0]?.account });
    expect(revert.id).toBe(`PayoutReverted:${ids[0]}`);
  });

  it("a free call credits nobody", async () => {
    expect(accruedEventsOfCall(await storedCall("free", 0n), protocol, none)).toEqual([]);
  });
});
