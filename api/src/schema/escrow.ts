// A payer's escrow: the node, its lookup, and the wallet actions on it (deposit, withdrawal,
// the EIP-712 voucher settlers redeem).
import { attributionSettlementAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { eq } from "drizzle-orm";
import { builder } from "../builder.ts";
import { InvalidInputError } from "../errors.ts";
import { inChainOrder, listRows } from "./common.ts";
import { listChildRows } from "./nested.ts";
import { listRedemptions, Redemption } from "./payout.ts";
import { action, call, PreparedAction, prepareOptions, TypedData, viewer } from "./prepare.ts";
import { AccountRef } from "./refs.ts";
import type { EscrowRow } from "./rows.ts";

const Deposit = builder.objectRef<typeof t.escrowDeposit.$inferSelect>("EscrowDeposit").implement({
  description: "Tokens deposited into a payer's escrow.",
  fields: (f) => ({
    from: f.field({ type: "Address", description: "Who paid it in.", resolve: (d) => d.from }),
    amount: f.field({ type: "TokenAmount", description: "Deposited.", resolve: (d) => d.amount }),
    depositedAt: f.field({
      type: "DateTime",
      description: "Block time.",
      resolve: (d) => d.timestamp,
    }),
  }),
});

export const Escrow = builder.objectRef<EscrowRow>("Escrow").implement({
  description: "A payer's escrow: the one-way payment channel vouchers draw on.",
  fields: (f) => ({
    payer: f.field({ type: AccountRef, description: "The payer.", resolve: (e) => e.payer }),
    balance: f.field({ type: "TokenAmount", description: "Held now.", resolve: (e) => e.balance }),
    deposited: f.field({
      type: "TokenAmount",
      description: "Σ deposited.",
      resolve: (e) => e.deposited,
    }),
    redeemed: f.field({
      type: "TokenAmount",
      description: "Σ redeemed by settlers.",
      resolve: (e) => e.redeemed,
    }),
    withdrawn: f.field({
      type: "TokenAmount",
      description: "Σ withdrawn by the payer.",
      resolve: (e) => e.withdrawn,
    }),
    pendingWithdrawal: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "Requested withdrawal, if any.",
      resolve: (e) => e.pendingWithdrawal,
    }),
    withdrawalExecutableAt: f.field({
      type: "DateTime",
      nullable: true,
      description: "When it can be executed.",
      resolve: (e) => e.withdrawalExecutableAt,
    }),
    deposits: f.connection({
      type: Deposit,
      description: "Deposits, newest first.",
      resolve: (e, args, ctx) =>
        listChildRows(
          ctx,
          args,
          t.escrowDeposit,
          { column: t.escrowDeposit.payer, key: e.payer },
          undefined,
          inChainOrder("DESC", t.escrowDeposit, t.escrowDeposit.id),
        ),
    }),
    redemptions: f.connection({
      type: Redemption,
      description: "Voucher redemptions, newest first.",
      resolve: (e, args, ctx) => listRedemptions(ctx, args, e.payer),
    }),
  }),
});

builder.queryFields((f) => ({
  escrow: f.field({
    type: Escrow,
    nullable: true,
    description: "A payer's escrow (null when it never deposited).",
    args: { payer: f.arg({ type: "Address", required: true, description: "The payer." }) },
    resolve: async (_, { payer }, ctx) =>
      (await ctx.reader.db.select().from(t.escrow).where(eq(t.escrow.payer, payer)))[0] ?? null,
  }),
}));

builder.mutationFields((f) => ({
  prepareDepositEscrow: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description: "Deposit into your payer escrow (approval first if needed).",
    args: { amount: f.arg({ type: "TokenAmount", required: true, description: "Amount." }) },
    resolve: (_, { amount }, ctx) => {
      const settlement = ctx.chain.address("AttributionSettlement");
      return action(ctx, [
        ctx.chain.approvalIfNeeded(viewer(ctx), settlement, amount),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: settlement,
          data: call(attributionSettlementAbi, "deposit", [amount]),
          description: `Deposit ${amount} into escrow`,
        }),
      ]);
    },
  }),
  prepareWithdrawEscrow: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Request a withdrawal from your escrow (`execute: true` executes a matured request instead).",
    args: {
      amount: f.arg({
        type: "TokenAmount",
        description: "Amount to request (not needed to execute).",
      }),
      execute: f.arg.boolean({ description: "Execute the pending request." }),
    },
    resolve: (_, { amount, execute }, ctx) => {
      const settlement = ctx.chain.address("AttributionSettlement");
      if (execute) {
        return action(ctx, [
          ctx.chain.prepare({
            from: viewer(ctx),
            to: settlement,
            data: call(attributionSettlementAbi, "executeWithdrawal", []),
            description: "Execute escrow withdrawal",
          }),
        ]);
      }
      if (amount == null)
        throw new InvalidInputError("amount is required to request a withdrawal", "amount");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: settlement,
          data: call(attributionSettlementAbi, "requestWithdrawal", [amount]),
          description: `Request withdrawal of ${amount}`,
        }),
      ]);
    },
  }),
  prepareVoucher: f.field({
    type: TypedData,
    ...prepareOptions,
    description:
      "EIP-712 voucher for your escrow: a cumulative spending cap a settler may redeem up to, until `expiry`.",
    args: {
      cumulativeAmount: f.arg({
        type: "TokenAmount",
        required: true,
        description: "Total the settler may have redeemed, ever.",
      }),
      expiry: f.arg({
        type: "DateTime",
        required: true,
        description: "The voucher is void after this.",
      }),
    },
    resolve: (_, { cumulativeAmount, expiry }, ctx) => ({
      domain: {
        name: "Tributary Settlement",
        version: "1",
        chainId: ctx.chain.chainId,
        verifyingContract: ctx.chain.address("AttributionSettlement"),
      },
      types: {
        Voucher: [
          { name: "payer", type: "address" },
          { name: "cumulativeAmount", type: "uint256" },
          { name: "expiry", type: "uint64" },
        ],
      },
      primaryType: "Voucher",
      message: {
        payer: viewer(ctx),
        cumulativeAmount: cumulativeAmount.toString(),
        expiry: Math.floor(expiry.getTime() / 1000).toString(),
      },
    }),
  }),
}));
