// What every `prepare*` mutation shares: the API prepares unsigned transactions (approval first
// when an allowance is short) and EIP-712 payloads; the user's wallet signs; `relayTransaction`
// may submit them. The API holds no user keys. Each mutation lives in its domain's file.

import { type Abi, type Address, encodeFunctionData } from "viem";
import { builder } from "../builder.ts";
import type { UnsignedTransaction } from "../chain/index.ts";
import type { Context } from "../context.ts";
import {
  AuthenticationError,
  ChainUnavailableError,
  InvalidInputError,
  NotFoundError,
} from "../errors.ts";
import { authErrors } from "./errors.ts";
import { JSONScalar } from "./json.ts";

export const PreparedTransaction = builder
  .objectRef<UnsignedTransaction>("PreparedTransaction")
  .implement({
    description:
      "An unsigned transaction for the wallet to sign and send (or sign and pass to `relayTransaction`).",
    fields: (f) => ({
      from: f.field({
        type: "Address",
        description: "The account that must sign it.",
        resolve: (tx) => tx.from,
      }),
      to: f.field({ type: "Address", description: "Contract called.", resolve: (tx) => tx.to }),
      data: f.field({
        type: "Bytes",
        description: "ABI-encoded calldata.",
        resolve: (tx) => tx.data,
      }),
      value: f.field({
        type: "TokenAmount",
        description: "Native value (always 0 for the protocol).",
        resolve: (tx) => tx.value,
      }),
      chainId: f.exposeInt("chainId", { description: "Chain to send it on." }),
      gasEstimate: f.field({
        type: "BigInt",
        nullable: true,
        description:
          "Gas estimate now; null when the call would revert until an earlier step (an approval) is mined.",
        resolve: (tx) => tx.gas,
      }),
      description: f.exposeString("description", { description: "What it does, for people." }),
    }),
  });

export const PreparedAction = builder
  .objectRef<{ transactions: UnsignedTransaction[] }>("PreparedAction")
  .implement({
    description:
      "Transactions to send in order (an ERC-20 approval first when the allowance is short).",
    fields: (f) => ({
      transactions: f.field({
        type: [PreparedTransaction],
        description: "In order.",
        resolve: (a) => a.transactions,
      }),
    }),
  });

export const TypedData = builder
  .objectRef<{ domain: object; types: object; primaryType: string; message: object }>("TypedData")
  .implement({
    description: "EIP-712 typed data for `eth_signTypedData_v4` (integers as decimal strings).",
    fields: (f) => ({
      domain: f.field({
        type: JSONScalar,
        description: "EIP-712 domain.",
        resolve: (d) => d.domain,
      }),
      types: f.field({
        type: JSONScalar,
        description: "Type definitions.",
        resolve: (d) => d.types,
      }),
      primaryType: f.exposeString("primaryType", { description: "The signed struct." }),
      message: f.field({
        type: JSONScalar,
        description: "The struct's values.",
        resolve: (d) => d.message,
      }),
    }),
  });

export const call = (abi: Abi, functionName: string, args: readonly unknown[]) =>
  encodeFunctionData({ abi, functionName, args } as never);

export async function action(
  _ctx: Context,
  steps: (UnsignedTransaction | null | Promise<UnsignedTransaction | null>)[],
) {
  const transactions = (await Promise.all(steps)).filter(
    (s): s is UnsignedTransaction => s !== null,
  );
  return { transactions };
}

/** The signing wallet: the caller (every prepare field requires a signed-in caller). */
export const viewer = (ctx: Context): Address => {
  if (!ctx.viewer) throw new AuthenticationError();
  return ctx.viewer.address;
};

export async function one<T>(rows: Promise<T[]>, entity: string, key: bigint): Promise<T> {
  const [row] = await rows;
  if (!row) throw new NotFoundError(entity, key.toString());
  return row;
}

const prepareErrors = [NotFoundError, InvalidInputError, ChainUnavailableError, ...authErrors];
export const prepareOptions = {
  authScopes: { scope: "PREPARE" as const },
  errors: { types: prepareErrors },
};
