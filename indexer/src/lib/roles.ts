import type { Context } from "ponder:registry";
import { contractParam, roleMember } from "ponder:schema";
import type { Address, Hex } from "viem";
import { created, type LogMeta, touched } from "./meta.ts";

/** Records a RoleGranted (`active` true) or RoleRevoked (false) of an AccessControl contract. */
export async function setRole(
  context: Context,
  event: LogMeta,
  contract: string,
  role: Hex,
  account: Address,
  active: boolean,
): Promise<void> {
  await context.db
    .insert(roleMember)
    .values({ contract, role, account, active, ...created(event) })
    .onConflictDoUpdate({ active, ...touched(event) });
}

/** Stores the latest value of a governance parameter. */
export async function setParam(
  context: Context,
  event: LogMeta,
  contract: string,
  name: string,
  value: bigint | number | string | boolean,
): Promise<void> {
  const text = String(value);
  await context.db
    .insert(contractParam)
    .values({ contract, name, value: text, ...created(event) })
    .onConflictDoUpdate({ value: text, ...touched(event) });
}

/** Handlers for OpenZeppelin AccessControl's role events, shared by every protocol contract. */
export function roleHandlers(contract: string) {
  return {
    RoleGranted: async ({
      event,
      context,
    }: {
      event: LogMeta & { args: { role: Hex; account: Address } };
      context: Context;
    }) => setRole(context, event, contract, event.args.role, event.args.account, true),
    RoleRevoked: async ({
      event,
      context,
    }: {
      event: LogMeta & { args: { role: Hex; account: Address } };
      context: Context;
    }) => setRole(context, event, contract, event.args.role, event.args.account, false),
  };
}
