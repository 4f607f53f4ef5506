import type { Context } from "ponder:registry";
import { tokenHolder, tokenTransfer } from "ponder:schema";
import { tributaryTokenAbi } from "@tributary/contracts/abis";
import { type Address, zeroAddress } from "viem";
import { indexContract } from "./lib/log-event.ts";
import { created, eventColumns, eventId, type LogMeta, touched } from "./lib/meta.ts";
import { roleHandlers } from "./lib/roles.ts";

async function addBalance(context: Context, event: LogMeta, address: Address, delta: bigint) {
  if (address === zeroAddress) return;
  await context.db
    .insert(tokenHolder)
    .values({ address, balance: delta, ...created(event) })
    .onConflictDoUpdate((row) => ({ balance: row.balance + delta, ...touched(event) }));
}

indexContract("TributaryToken", tributaryTokenAbi, {
  ...roleHandlers("TributaryToken"),
  Transfer: async ({ event, context }) => {
    const { from, to, value } = event.args;
    await context.db
      .insert(tokenTransfer)
      .values({ id: eventId(event), from, to, amount: value, ...eventColumns(event) });
    await addBalance(context, event, from, -value);
    await addBalance(context, event, to, value);
  },
});
