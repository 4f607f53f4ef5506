// Who sees which receipts, and what a payer has spent. A receipt is visible to its payer and to
// the agent's operator (settlement will publish them to everyone).
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { and, eq, type SQL } from "drizzle-orm";
import type { Address } from "viem";
import { decodeInvocation } from "../agents/ledger.ts";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { invocation } from "../db/schema.ts";
import { AuthenticationError } from "../errors.ts";
import { authErrors } from "./errors.ts";
import { InvocationResult, Receipt } from "./invocation.ts";
import { type ConnectionArgs, paginate, sortBy } from "./keyset.ts";
import { AccountRef, AgentRef } from "./refs.ts";

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
/** Private views need the READ scope (sessions hold every scope). */
const mayRead = (ctx: Context) =>
  ctx.viewer !== null &&
  !ctx.viewer.retryAfterSeconds &&
  (ctx.viewer.via === "session" || ctx.viewer.scopes.includes("READ"));
const viewerAddress = (ctx: Context): Address => {
  if (!ctx.viewer) throw new AuthenticationError();
  return ctx.viewer.address;
};

/** A page of finished calls matching `where`, newest first. */
const finishedCalls = (ctx: Context, args: ConnectionArgs, where: SQL) =>
  paginate(
    args,
    sortBy("DESC", invocation.completedAt, invocation.payer, invocation.requestId),
    (page) =>
      ctx.app.db
        .select()
        .from(invocation)
        .where(and(where, eq(invocation.status, "DONE"), page.where))
        .orderBy(...page.orderBy)
        .limit(page.limit)
        .then((rows) => rows.map(decodeInvocation)),
  );

const Spending = builder
  .objectRef<{
    cap: bigint;
    charged: bigint;
    redeemed: bigint;
    reserved: bigint;
    chargedRedeemed: bigint;
  }>("Spending")
  .implement({
    description:
      "What a payer's agent calls cost against its vouchers: sign a higher cap before `capRemaining` runs out.",
    fields: (f) => ({
      charged: f.field({
        type: "TokenAmount",
        description: "Σ prices of completed calls.",
        resolve: (s) => s.charged,
      }),
      redeemed: f.field({
        type: "TokenAmount",
        description: "Redeemed from the payer's escrow on chain (by settlement), all time.",
        resolve: (s) => s.redeemed,
      }),
      outstanding: f.field({
        type: "TokenAmount",
        description:
          "Charged and not redeemed yet (what the next settlement redeems), plus calls in flight.",
        resolve: (s) => s.charged - s.chargedRedeemed + s.reserved,
      }),
      capRemaining: f.field({
        type: "TokenAmount",
        description: "The highest valid voucher's cap less redeemed and outstanding (0 when none).",
        resolve: (s) => {
          const left = s.cap - s.redeemed - (s.charged - s.chargedRedeemed) - s.reserved;
          return left > 0n ? left : 0n;
        },
      }),
    }),
  });

builder.objectFields(AccountRef, (f) => ({
  spending: f.field({
    type: Spending,
    nullable: true,
    description:
      "The account's spending on agent calls (its own view only; null before its first call).",
    authScopes: (account, _, ctx) => mayRead(ctx) && same(ctx.viewer!.address, account.address),
    unauthorizedResolver: () => null,
    resolve: async (account, _, ctx) => {
      const ledger = await ctx.agents.ledger.spending(account.address);
      if (!ledger) return null;
      const redeemed = (account as { escrowSpent?: bigint }).escrowSpent ?? 0n;
      return {
        cap: BigInt(ledger.voucherCap),
        charged: BigInt(ledger.charged),
        reserved: BigInt(ledger.reserved),
        chargedRedeemed: BigInt(ledger.chargedRedeemed),
        redeemed,
      };
    },
  }),
  receipts: f.connection({
    type: Receipt,
    description: "Receipts of the account's calls as payer, newest first (its own view only).",
    resolve: (account, args, ctx) => {
      if (!mayRead(ctx) || !same(ctx.viewer!.address, account.address))
        throw new ForbiddenError("Only the payer sees its receipts (with the READ scope)");
      return finishedCalls(ctx, args, eq(invocation.payer, account.address));
    },
  }),
}));

builder.objectFields(AgentRef, (f) => ({
  receipts: f.connection({
    type: Receipt,
    description: "Receipts of the agent's calls, newest first (its operator's view only).",
    resolve: (agent, args, ctx) => {
      if (!mayRead(ctx) || !same(ctx.viewer!.address, agent.operator))
        throw new ForbiddenError(
          "Only the agent's operator sees its receipts (with the READ scope)",
        );
      return finishedCalls(ctx, args, eq(invocation.agentId, agent.id.toString()));
    },
  }),
}));

/** A finished call the viewer may see (its payer or the agent's operator), else null. */
export async function visibleCall(ctx: Context, payer: Address, requestId: string) {
  const viewer = viewerAddress(ctx);
  const row = await ctx.agents.ledger.get(payer, requestId);
  if (row?.status !== "DONE") return null;
  return same(viewer, row.payer) || same(viewer, row.operator) ? row : null;
}

const callArgs = (f: any) => ({
  payer: f.arg({ type: "Address", required: true, description: "The payer." }),
  requestId: f.arg.string({ required: true, description: "The payer's request id." }),
});

builder.queryFields((f) => ({
  invocation: f.field({
    type: InvocationResult,
    nullable: true,
    description:
      "A finished call's whole result (answer, sources, citations, spans, receipt) by payer and request id: how a payer fetches a result whose delivery was lost. Visible to the payer and the agent's operator; null otherwise, or when unknown or not finished.",
    errors: { types: authErrors },
    authScopes: { scope: "READ" as const },
    args: callArgs(f),
    resolve: async (_, args, ctx) => {
      const row = await visibleCall(ctx, args.payer as Address, args.requestId as string);
      return row ? { ...row, replayed: true } : null;
    },
  }),
  receipt: f.field({
    type: Receipt,
    nullable: true,
    description:
      "A call's receipt by payer and request id: visible to the payer and to the agent's operator; null when unknown, not finished, or not yours to see (alike, so nobody learns which request ids a payer used). Also how a payer fetches a result whose delivery was lost.",
    errors: { types: authErrors },
    authScopes: { scope: "READ" as const },
    args: callArgs(f),
    resolve: (_, args, ctx) => visibleCall(ctx, args.payer as Address, args.requestId as string),
  }),
}));
