// The payers' ledger under concurrency, on PGlite and (with DATABASE_URL) Postgres: random
// interleavings of reservations, settlements and releases never commit more than a voucher's
// cap or the escrow, charge each request id once, and leave the books summing to the calls.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { type Address, getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppDatabase, createAppDatabase } from "../db/index.ts";
import { invocation } from "../db/schema.ts";
import { RequestIdConflictError, VoucherRefusedError } from "./errors.ts";
import { createLedger, type Ledger } from "./ledger.ts";

const modes = [
  ["pglite", () => createAppDatabase({})],
  ...(process.env.DATABASE_URL
    ? [["postgres", () => createAppDatabase({ databaseUrl: process.env.DATABASE_URL })] as const]
    : []),
] as const;

/** A seeded generator, so a failure replays. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const newPayer = (): Address => getAddress(`0x${randomBytes(20).toString("hex")}`);
const voucher = (cap: bigint) => ({ cap, expiry: 10n ** 12n, signature: "0x01" as const });

function request(
  payer: Address,
  requestId: string,
  maxPrice: bigint,
  cap: bigint,
  chain = { redeemed: 0n, availableEscrow: 10n ** 30n },
) {
  return {
    payer,
    requestId,
    agentId: 1n,
    operator: payer,
    inputHash: `input-${requestId}`,
    maxPrice,
    poolRequestId: `pool-${requestId}`,
    voucher: voucher(cap),
    chain,
    voucherValidFrom: 0n,
  };
}

for (const [mode, open] of modes) {
  describe(`payer ledger (${mode})`, () => {
    let app: AppDatabase;
    let ledger: Ledger;
    beforeAll(async () => {
      app = await open();
      ledger = createLedger(app.db);
    });
    afterAll(async () => {
      await app?.close();
    });

    it("keeps every commitment under the cap and the escrow through random concurrent calls", async () => {
      const random = prng(7);
      for (let round = 0; round < 6; round++) {
        const payer = newPayer();
        const cap = BigInt(1000 + Math.floor(random() * 4000));
        const escrow = BigInt(800 + Math.floor(random() * 4000));
        const redeemed = BigInt(Math.floor(random() * 300));
        const chain = { redeemed, availableEscrow: escrow };
        const outcomes = await Promise.all(
          Array.from({ length: 40 }, async (_, i) => {
            const maxPrice = BigInt(50 + Math.floor(random() * 200));
            const price = (maxPrice * BigInt(Math.floor(random() * 101))) / 100n;
            const settle = random() < 0.7;
            const key = { payer, requestId: `r${i}` };
            try {
              await ledger.reserve(request(payer, key.requestId, maxPrice, cap, chain));
            } catch (error) {
              expect(error).toBeInstanceOf(VoucherRefusedError);
              return 0n;
            }
            if (!settle) {
              await ledger.release(key, { code: "TEST" });
              return 0n;
            }
            await ledger.settle(key, { price, tokensIn: 1, tokensOut: 1, result: {}, receipt: {} });
            return price;
          }),
        );
        const charged = outcomes.reduce((a, b) => a + b, 0n);
        const books = await ledger.spending(payer);
        expect(BigInt(books?.charged ?? 0)).toBe(charged);
        expect(BigInt(books?.reserved ?? 0)).toBe(0n);
        expect(redeemed + charged).toBeLessThanOrEqual(cap);
        expect(charged).toBeLessThanOrEqual(escrow);
        const rows = await app.db.select().from(invocation).where(eq(invocation.payer, payer));
        expect(rows.filter((r) => r.status === "RUNNING")).toEqual([]);
        const priced = rows
          .filter((r) => r.status === "DONE")
          .reduce((sum, r) => sum + BigInt(r.price ?? 0), 0n);
        expect(priced).toBe(charged);
      }
    });

    it("never lets in-flight reservations together pass the cap", async () => {
      const payer = newPayer();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => ledger.reserve(request(payer, `p${i}`, 100n, 1000n))),
      );
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(10);
      expect(BigInt((await ledger.spending(payer))?.reserved ?? 0)).toBe(1000n);
    });

    it("charges a request id once, refuses it for other input, and allows a retry after a failure", async () => {
      const payer = newPayer();
      const key = { payer, requestId: "same" };
      await ledger.reserve(request(payer, "same", 100n, 1000n));
      await expect(ledger.reserve(request(payer, "same", 100n, 1000n))).rejects.toMatchObject({
        reason: "IN_PROGRESS",
      });
      await ledger.release(key, { code: "TEST" });
      expect((await ledger.reserve(request(payer, "same", 100n, 1000n))).kind).toBe("reserved");
      await ledger.settle(key, {
        price: 60n,
        tokensIn: 1,
        tokensOut: 1,
        result: { a: 1 },
        receipt: { b: 2 },
      });
      const again = await ledger.reserve(request(payer, "same", 100n, 1000n));
      expect(again).toMatchObject({ kind: "done", row: { price: "60", result: { a: 1 } } });
      const other = { ...request(payer, "same", 100n, 1000n), inputHash: "other" };
      await expect(ledger.reserve(other)).rejects.toBeInstanceOf(RequestIdConflictError);
      expect((await ledger.spending(payer))?.charged).toBe("60");
    });

    it("refuses to settle above the reservation and keeps the higher valid voucher", async () => {
      const payer = newPayer();
      await ledger.reserve(request(payer, "a", 100n, 5000n));
      await expect(
        ledger.settle(
          { payer, requestId: "a" },
          { price: 101n, tokensIn: 1, tokensOut: 1, result: {}, receipt: {} },
        ),
      ).rejects.toThrow(/outside the reservation/);
      // A later, lower voucher does not lower the cap a higher one already authorized...
      await ledger.reserve(request(payer, "b", 100n, 150n));
      expect((await ledger.spending(payer))?.voucherCap).toBe("5000");
      // ...unless that one expired (valid from a time past its expiry).
      const expired = { ...request(payer, "c", 100n, 400n), voucherValidFrom: 10n ** 13n };
      await ledger.reserve(expired);
      expect((await ledger.spending(payer))?.voucherCap).toBe("400");
      await expect(
        ledger.reserve({ ...request(payer, "d", 300n, 400n), voucherValidFrom: 10n ** 13n }),
      ).rejects.toMatchObject({ reason: "OVER_CAP" });
    });
  });
}
