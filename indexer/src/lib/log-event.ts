import { type Context, type EventNames, type IndexingFunctionArgs, ponder } from "ponder:registry";
import { eventBlock, eventLog } from "ponder:schema";
import type { Abi, AbiParameter } from "viem";
import { checksum, eventColumns, eventId, jsonArgs, type LogMeta } from "./meta.ts";
import { refreshLiveQueriesAfterReorg } from "./reorg-refresh.ts";

interface DecodedEvent extends LogMeta {
  block: LogMeta["block"] & { hash: string };
  args: unknown;
}

/** Writes the decoded log into `event_log`; every handler calls it first. */
export async function logEvent(
  context: Context,
  contract: string,
  name: string,
  event: DecodedEvent,
): Promise<void> {
  await refreshLiveQueriesAfterReorg(context, event.block);
  await context.db.insert(eventLog).values({
    id: eventId(event),
    contract,
    address: checksum(event.log.address),
    name,
    args: jsonArgs(event.args) as object,
    ...eventColumns(event),
    blockHash: event.block.hash as `0x${string}`,
  });
  await context.db
    .insert(eventBlock)
    .values({ number: event.block.number, hash: event.block.hash as `0x${string}` })
    .onConflictDoNothing();
}

type Handler = (args: { event: DecodedEvent; context: Context }) => Promise<void>;

type EventsOf<C extends string> = EventNames extends infer N
  ? N extends `${C}:${infer E}`
    ? E
    : never
  : never;

/** Typed handlers for some of contract `C`'s events, keyed by event name. */
export type ContractHandlers<C extends string> = {
  [E in EventsOf<C>]?: (args: IndexingFunctionArgs<`${C}:${E}` & EventNames>) => Promise<void>;
};

/**
 * Registers `handlers` for `contract`'s events (each preceded by its `event_log` row), and an
 * `event_log`-only handler for every other event of the ABI, so no protocol event is dropped.
 */
export function indexContract<C extends string>(
  contract: C,
  abi: Abi,
  typedHandlers: ContractHandlers<C>,
): void {
  const handlers = typedHandlers as Record<string, Handler | undefined>;
  const events = abi.filter((item) => item.type === "event");
  const names = events.map((item) => item.name);
  for (const { name, inputs } of events) {
    const handler = handlers[name];
    const formatArgs = argsFormatter(inputs);
    // Ponder's registry is typed by literal "Contract:Event" names; these come from the ABI.
    (ponder.on as (key: string, fn: Handler) => void)(
      `${contract}:${name}`,
      async ({ event, context }) => {
        // Ponder lowercases addresses decoded from topics; rows hold checksummed ones.
        event.args = formatArgs(event.args);
        await logEvent(context, contract, name, event);
        if (handler) await handler({ event, context });
      },
    );
  }
  const unknown = Object.keys(handlers).filter((name) => !names.includes(name));
  if (unknown.length) throw new Error(`${contract} has no events named ${unknown.join(", ")}`);
}

type Format = (value: unknown) => unknown;

/** Checksums every address (top level, in arrays and tuples) of an event's decoded args. */
function argsFormatter(inputs: readonly AbiParameter[]): (args: unknown) => unknown {
  const formats = inputs.map((input) => [input.name ?? "", formatterOf(input)] as const);
  if (formats.every(([, format]) => format === null)) return (args) => args;
  return (args) => {
    const out = { ...(args as Record<string, unknown>) };
    for (const [name, format] of formats) if (format) out[name] = format(out[name]);
    return out;
  };
}

function formatterOf(param: AbiParameter): Format | null {
  if (param.type === "address") return (value) => checksum(value as string);
  if (param.type.endsWith("[]")) {
    const inner = formatterOf({
      ...param,
      type: param.type.slice(0, param.type.lastIndexOf("[")),
    } as AbiParameter);
    return inner ? (value) => (value as unknown[]).map(inner) : null;
  }
  if (param.type === "tuple" && "components" in param) {
    const fields = param.components
      .map((c) => [c.name ?? "", formatterOf(c)] as const)
      .filter(([, f]) => f);
    if (!fields.length) return null;
    return (value) => {
      const out = { ...(value as Record<string, unknown>) };
      for (const [name, format] of fields) out[name] = (format as Format)(out[name]);
      return out;
    };
  }
  return null;
}
