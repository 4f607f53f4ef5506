import { eq } from "drizzle-orm";
import { type Hex, parseTransaction, recoverTransactionAddress } from "viem";
import { builder } from "../builder.ts";
import { isChainUnreachable } from "../chain/index.ts";
import type { Context } from "../context.ts";
import { relayedTransaction } from "../db/schema.ts";
import {
  ChainUnavailableError,
  InvalidInputError,
  NotFoundError,
  TransactionRejectedError,
} from "../errors.ts";
import { authErrors } from "./errors.ts";

const RelayStatus = builder.enumType("RelayStatus", {
  description: "Where a relayed transaction is.",
  values: {
    PENDING: { description: "Sent; not in a block yet." },
    INCLUDED: { description: "In a block; the indexer has not reached it yet." },
    INDEXED: { description: "In a block the indexer has processed: queries reflect it." },
    REVERTED: { description: "Mined but reverted." },
    DROPPED: { description: "The node no longer knows it (replaced or dropped)." },
  } as const,
});

type Relayed = typeof relayedTransaction.$inferSelect;

async function statusOf(ctx: Context, tx: Relayed) {
  const receipt = await ctx.chain.publicClient
    .getTransactionReceipt({ hash: tx.hash as Hex })
    .catch(() => null);
  if (!receipt) {
    const known = await ctx.chain.publicClient
      .getTransaction({ hash: tx.hash as Hex })
      .catch(() => null);
    return { status: known ? ("PENDING" as const) : ("DROPPED" as const), blockNumber: null };
  }
  if (receipt.status === "reverted")
    return { status: "REVERTED" as const, blockNumber: receipt.blockNumber };
  const indexed = await ctx.reader.indexedBlock().catch(() => null);
  const status =
    indexed && indexed.number >= receipt.blockNumber ? ("INDEXED" as const) : ("INCLUDED" as const);
  return { status, blockNumber: receipt.blockNumber };
}

const RelayedTransaction = builder.objectRef<Relayed>("RelayedTransaction").implement({
  description:
    "A signed transaction submitted through `relayTransaction`; ask again for its status until INDEXED.",
  fields: (f) => ({
    hash: f.field({
      type: "Bytes32",
      description: "Transaction hash.",
      resolve: (r) => r.hash as Hex,
    }),
    from: f.field({ type: "Address", description: "Signer.", resolve: (r) => r.from as Hex }),
    to: f.field({
      type: "Address",
      nullable: true,
      description: "Contract called.",
      resolve: (r) => (r.to as Hex) ?? null,
    }),
    submittedAt: f.field({
      type: "DateTime",
      description: "When it was relayed.",
      resolve: (r) => r.submittedAt,
    }),
    status: f.field({
      type: RelayStatus,
      description: "Current status (asks the chain and the indexer).",
      resolve: async (r, _, ctx) => (await statusOf(ctx, r)).status,
    }),
    blockNumber: f.field({
      type: "BigInt",
      nullable: true,
      description: "Block it was included in.",
      resolve: async (r, _, ctx) => (await statusOf(ctx, r)).blockNumber,
    }),
  }),
});

builder.queryFields((f) => ({
  relayedTransaction: f.field({
    type: RelayedTransaction,
    nullable: true,
    description: "A transaction relayed through this API, by hash (null when it was not).",
    args: { hash: f.arg({ type: "Bytes32", required: true, description: "Transaction hash." }) },
    resolve: async (_, { hash }, ctx) =>
      (
        await ctx.app.db.select().from(relayedTransaction).where(eq(relayedTransaction.hash, hash))
      )[0] ?? null,
  }),
}));

builder.mutationFields((f) => ({
  relayTransaction: f.field({
    type: RelayedTransaction,
    description:
      "Submits a signed raw transaction to a protocol contract on this API's chain. Errors: InvalidInputError (not decodable, wrong chain, not a protocol contract), TransactionRejectedError, ChainUnavailableError.",
    errors: {
      types: [
        InvalidInputError,
        TransactionRejectedError,
        ChainUnavailableError,
        NotFoundError,
        ...authErrors,
      ],
    },
    authScopes: { scope: "RELAY" },
    args: {
      signedTransaction: f.arg({
        type: "Bytes",
        required: true,
        description: "The RLP-encoded signed transaction.",
      }),
    },
    resolve: async (_, { signedTransaction }, ctx) => {
      let parsed: ReturnType<typeof parseTransaction>;
      let from: Hex;
      try {
        parsed = parseTransaction(signedTransaction);
        from = await recoverTransactionAddress({
          serializedTransaction: signedTransaction as never,
        });
      } catch {
        throw new InvalidInputError("Not a signed transaction", "signedTransaction");
      }
      if (parsed.chainId !== ctx.chain.chainId)
        throw new InvalidInputError(
          `Signed for chain ${parsed.chainId}, not ${ctx.chain.chainId}`,
          "signedTransaction",
        );
      const targets = new Set(
        Object.values(ctx.chain.deployment.contracts).map((c) => c.address.toLowerCase()),
      );
      if (!parsed.to || !targets.has(parsed.to.toLowerCase())) {
        throw new InvalidInputError(
          "Only transactions to protocol contracts are relayed",
          "signedTransaction",
        );
      }
      let hash: Hex;
      try {
        hash = await ctx.chain.publicClient.sendRawTransaction({
          serializedTransaction: signedTransaction as never,
        });
      } catch (error) {
        if (isChainUnreachable(error)) throw new ChainUnavailableError(error);
        throw new TransactionRejectedError(
          ((error as { shortMessage?: string }).shortMessage ?? (error as Error).message).slice(
            0,
            300,
          ),
        );
      }
      const [row] = await ctx.app.db
        .insert(relayedTransaction)
        .values({ hash, from, to: parsed.to, chainId: ctx.chain.chainId })
        .onConflictDoNothing()
        .returning();
      return (
        row ??
        (
          await ctx.app.db
            .select()
            .from(relayedTransaction)
            .where(eq(relayedTransaction.hash, hash))
        )[0]!
      );
    },
  }),
}));
