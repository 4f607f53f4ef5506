// Field builders the `payouts` event types share: the common interface, amounts and times kept
// as decimal strings in the payloads (they cross Redis as JSON), and a log's position.
import { builder } from "../builder.ts";
import type { LogPosition, PayoutEvent } from "../payouts/events.ts";

export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
export type Fields<T> = PothosSchemaTypes.ObjectFieldBuilder<Types, T>;

export const PayoutEventBase = builder.interfaceRef<PayoutEvent>("PayoutEventBase").implement({
  description:
    "What every event of `payouts(account)` has. Select it once (`... on PayoutEventBase { id account }`) beside the members' own fields.",
  resolveType: (event) => event.kind,
  fields: (f) => ({
    id: f.exposeString("id", {
      description:
        "Stable and unique: the same event always carries the same id (after a restart, on another replica), so a client that sees an id twice can drop the second. Chain logs: `<block>-<logIndex>@<blockHash>`.",
    }),
    account: f.field({
      type: "Address",
      nullable: true,
      description:
        "The account the event concerns (an earner, a payer); null for settlement-root events, which every subscriber receives.",
      resolve: (event) => event.account,
    }),
  }),
});

export const tokens = <T>(f: Fields<T>, description: string, get: (event: T) => string) =>
  f.field({ type: "TokenAmount", description, resolve: (event) => BigInt(get(event)) });

export const uint = <T>(f: Fields<T>, description: string, get: (event: T) => string) =>
  f.field({ type: "BigInt", description, resolve: (event) => BigInt(get(event)) });

/** Unix seconds in the payload; an ISO time on the wire. */
export const time = <T>(f: Fields<T>, description: string, get: (event: T) => string) =>
  f.field({ type: "DateTime", description, resolve: (event) => BigInt(get(event)) });

export const address = <T>(f: Fields<T>, description: string, get: (event: T) => string) =>
  f.field({ type: "Address", description, resolve: (event) => get(event) as `0x${string}` });

const id = <T extends PayoutEvent>(f: Fields<T>) =>
  f.field({ type: "String", description: "See `PayoutEventBase.id`.", resolve: (e) => e.id });

/**
 * `id` and `account`, with the member's word on the account. Nullable on every member, as on
 * the interface: fields of one name must have one type across a union's members, or a client
 * selecting them on two members fails validation.
 */
export const base = <T extends PayoutEvent>(f: Fields<T>, account: string) => ({
  id: id(f),
  account: f.field({
    type: "Address",
    nullable: true,
    description: account,
    resolve: (e) => e.account,
  }),
});

/** Where a chain log sits: a reorg that removes it is delivered as PayoutReverted (REORG). */
export const logged = <T extends { log: LogPosition }>(f: Fields<T>) => ({
  blockNumber: uint(f, "The block the log is in.", (e) => e.log.blockNumber),
  logIndex: f.field({
    type: "Int",
    description: "Its index in the block.",
    resolve: (e) => e.log.logIndex,
  }),
  transactionHash: f.field({
    type: "Bytes32",
    description: "The transaction that emitted it.",
    resolve: (e) => e.log.transactionHash,
  }),
  timestamp: time(f, "The block's time.", (e) => e.log.timestamp),
});
