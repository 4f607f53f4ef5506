import * as t from "@tributary/indexer/schema";
import { desc, eq } from "drizzle-orm";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { OrderDirection, orderBy, paginate } from "./common.ts";
import { AccountRef, type EscrowRow, NODE_DESCRIPTIONS, SettlementRootRef } from "./refs.ts";

export const RootStatus = builder.enumType("RootStatus", {
  description: "State of a settlement root.",
  values: {
    Proposed: { description: "Posted; can be vetoed until `liveAt`." },
    Live: { description: "Past its challenge delay: claims may be made against it." },
    Vetoed: { description: "Vetoed during its challenge delay." },
  } as const,
});

export const Claim = builder.objectRef<typeof t.claim.$inferSelect>("Claim").implement({
  description: "An attribution payout claimed against a live root.",
  fields: (f) => ({
    account: f.field({
      type: AccountRef,
      description: "Whose earnings.",
      resolve: (c) => c.account,
    }),
    recipient: f.field({
      type: "Address",
      description: "Where the tokens went.",
      resolve: (c) => c.recipient,
    }),
    amount: f.field({
      type: "TokenAmount",
      description: "Paid by this claim.",
      resolve: (c) => c.amount,
    }),
    cumulativeClaimed: f.field({
      type: "TokenAmount",
      description: "The account's total claimed after it.",
      resolve: (c) => c.cumulativeClaimed,
    }),
    blockNumber: f.field({
      type: "BigInt",
      description: "Block it was indexed in.",
      resolve: (c) => c.blockNumber,
    }),
    claimedAt: f.field({
      type: "DateTime",
      description: "Block time.",
      resolve: (c) => c.timestamp,
    }),
    transactionHash: f.field({
      type: "Bytes32",
      description: "Transaction.",
      resolve: (c) => c.transactionHash,
    }),
  }),
});

export const Redemption = builder
  .objectRef<typeof t.voucherRedemption.$inferSelect>("VoucherRedemption")
  .implement({
    description: "A settler redeeming a payer's signed voucher from escrow.",
    fields: (f) => ({
      payer: f.field({
        type: AccountRef,
        description: "Whose escrow paid.",
        resolve: (r) => r.payer,
      }),
      settler: f.field({
        type: "Address",
        description: "Who redeemed it.",
        resolve: (r) => r.settler,
      }),
      amount: f.field({
        type: "TokenAmount",
        description: "Redeemed by this call.",
        resolve: (r) => r.amount,
      }),
      cumulativeRedeemed: f.field({
        type: "TokenAmount",
        description: "Payer's total redeemed after it.",
        resolve: (r) => r.cumulativeRedeemed,
      }),
      redeemedAt: f.field({
        type: "DateTime",
        description: "Block time.",
        resolve: (r) => r.timestamp,
      }),
      transactionHash: f.field({
        type: "Bytes32",
        description: "Transaction.",
        resolve: (r) => r.transactionHash,
      }),
    }),
  });

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
        paginate(args, ({ limit, offset }) =>
          ctx.reader.db
            .select()
            .from(t.escrowDeposit)
            .where(eq(t.escrowDeposit.payer, e.payer))
            .orderBy(desc(t.escrowDeposit.blockNumber), desc(t.escrowDeposit.logIndex))
            .limit(limit)
            .offset(offset),
        ),
    }),
    redemptions: f.connection({
      type: Redemption,
      description: "Voucher redemptions, newest first.",
      resolve: (e, args, ctx) => listRedemptions(ctx, args, e.payer),
    }),
  }),
});

export function listRedemptions(ctx: Context, args: Parameters<typeof paginate>[0], payer: string) {
  return paginate(args, ({ limit, offset }) =>
    ctx.reader.db
      .select()
      .from(t.voucherRedemption)
      .where(eq(t.voucherRedemption.payer, payer as `0x${string}`))
      .orderBy(desc(t.voucherRedemption.blockNumber), desc(t.voucherRedemption.logIndex))
      .limit(limit)
      .offset(offset),
  );
}

export function listClaims(ctx: Context, args: Parameters<typeof paginate>[0], account: string) {
  return paginate(args, ({ limit, offset }) =>
    ctx.reader.db
      .select()
      .from(t.claim)
      .where(eq(t.claim.account, account as `0x${string}`))
      .orderBy(desc(t.claim.blockNumber), desc(t.claim.logIndex))
      .limit(limit)
      .offset(offset),
  );
}

SettlementRootRef.implement({
  description: NODE_DESCRIPTIONS.SettlementRootRef,
  fields: (f) => ({
    epoch: f.field({ type: "BigInt", description: "Epoch number.", resolve: (r) => r.epoch }),
    root: f.field({
      type: "Bytes32",
      description: "Merkle root over (account, cumulativeEarned) leaves.",
      resolve: (r) => r.root,
    }),
    totalCumulative: f.field({
      type: "TokenAmount",
      description: "Σ cumulative earnings in the tree.",
      resolve: (r) => r.totalCumulative,
    }),
    dataHash: f.field({
      type: "Bytes32",
      description: "Hash of the published receipts behind the root.",
      resolve: (r) => r.dataHash,
    }),
    dataURI: f.exposeString("dataURI", { description: "Where those receipts are published." }),
    liveAt: f.field({
      type: "DateTime",
      description: "End of the challenge delay.",
      resolve: (r) => r.liveAt,
    }),
    status: f.field({
      type: RootStatus,
      description: "Proposed, Live or Vetoed.",
      resolve: (r) => r.status,
    }),
    vetoer: f.field({
      type: "Address",
      nullable: true,
      description: "Who vetoed it.",
      resolve: (r) => r.vetoer,
    }),
    postedAt: f.field({
      type: "DateTime",
      description: "When it was posted.",
      resolve: (r) => r.createdAt,
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
  settlementRoots: f.connection({
    type: SettlementRootRef,
    description: "Settlement roots by epoch, newest first by default.",
    args: {
      status: f.arg({ type: RootStatus, description: "Only in this state." }),
      direction: f.arg({ type: OrderDirection, description: "By epoch; DESC by default." }),
    },
    resolve: (_, args, ctx) =>
      paginate(args, ({ limit, offset }) =>
        ctx.reader.db
          .select()
          .from(t.settlementRoot)
          .where(args.status ? eq(t.settlementRoot.status, args.status) : undefined)
          .orderBy(orderBy(t.settlementRoot.epoch, args.direction))
          .limit(limit)
          .offset(offset),
      ),
  }),
  settlementRoot: f.field({
    type: SettlementRootRef,
    nullable: true,
    description: "A settlement root by epoch (null when unknown).",
    args: { epoch: f.arg({ type: "BigInt", required: true, description: "Epoch number." }) },
    resolve: (_, { epoch }) => epoch.toString(),
  }),
}));
