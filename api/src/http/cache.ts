import {
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  getOperationAST,
  Kind,
  type SelectionSetNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { SESSION_COOKIE } from "../auth/siwe.ts";
import type { Context } from "../context.ts";
import type { ChainReader } from "../reader/index.ts";

/** Root fields that read only the indexer's tables (no caller, no app state). */
const CHAIN_FIELDS = new Set([
  "model",
  "models",
  "adapters",
  "datanet",
  "datanets",
  "contribution",
  "contributions",
  "proposal",
  "proposals",
  "agent",
  "agents",
  "dispute",
  "escrow",
  "settlementRoot",
  "settlementRoots",
  "account",
  "accounts",
  "node",
  "nodes",
  "__typename",
]);

/** Headers that carry no credential of any kind (so no viewer to tell apart). */
export function anonymousHeaders(get: (name: string) => string | null | undefined): boolean {
  return (
    get("authorization") == null &&
    get("x-api-key") == null &&
    !get("cookie")?.includes(`${SESSION_COOKIE}=`)
  );
}

const anonymous = (request: Request) => anonymousHeaders((name) => request.headers.get(name));

/** What identifies a request's answer before parsing: its query, operation name and variables. */
export const textKeyOf = (params: {
  query: string;
  operationName?: string | null;
  variables?: unknown;
}) => JSON.stringify([params.query, params.operationName ?? null, params.variables]);

/** Response headers not replayed: per request, per connection, or recomputed. */
const UNREPLAYED = new Set([
  "content-length",
  "date",
  "x-request-id",
  "set-cookie",
  "connection",
  "keep-alive",
  "transfer-encoding",
]);

/** An answer to send again as Yoga sent it: the cached body and Yoga's headers for it. */
export interface Replay {
  body: string;
  headers: [string, string][];
}

type Cached = ExecutionResult & { stringify: () => string };

/** Largest serialised answer kept (characters). */
const MAX_CACHED_CHARS = 64 * 1024;
/**
 * Serialised characters all kept answers may hold together (default 16 M: 4,096 answers of
 * 64 K each were 256 M). Past it the oldest answers go first.
 */
export const MAX_CACHE_CHARS = 16 * 1024 * 1024;

/** Characters charged per kept answer on top of its serialised length (its maps' entries). */
const ENTRY_OVERHEAD = 256;

/**
 * Longest an answer is served without a tick (ms): ticks come with every indexed block, so
 * this only matters when they stop (an indexer connection lost), and bounds staleness then.
 */
export const MAX_AGE_MS = 15_000;

export interface ChainReadCacheOptions {
  maxAgeMs?: number;
  maxEntriesPerDocument?: number;
  maxTextEntries?: number;
  /** Budget of serialised characters across every kept answer. */
  maxChars?: number;
}

/** What the cache holds now: distinct answers and their serialised characters. */
export interface ChainReadCacheStats {
  entries: number;
  chars: number;
}

/**
 * Anonymous chain-state queries answered from memory until the indexer's next tick (new block,
 * reorg): the same freshness as Ponder's own SQL cache, without a round trip per request.
 *
 * Two levels. Before parsing, an anonymous request is looked up by its text (query, operation
 * name, variables): a hit skips parse, validation, context (viewer lookup) and execution, and
 * reuses the serialised body. After parsing, by document and variables, for the same query
 * sent with different whitespace. Only results of anonymous requests are stored, both levels
 * are dropped on every tick, and a result computed across a tick is not stored.
 */
export function chainReadCache(
  reader: Pick<ChainReader, "onTick">,
  options: ChainReadCacheOptions = {},
): Plugin<Context> & {
  stats(): ChainReadCacheStats;
  replay(textKey: string, accept: string): Replay | undefined;
} {
  const maxEntriesPerDocument = options.maxEntriesPerDocument ?? 256;
  const maxTextEntries = options.maxTextEntries ?? 4096;
  const maxChars = options.maxChars ?? MAX_CACHE_CHARS;
  let cache = new WeakMap<DocumentNode, Map<string, Cached>>();
  let byText = new Map<string, Cached>();
  /**
   * Every kept answer once, oldest first, with its size and the keys it is kept under; an
   * answer dropped by a map's own bound stays counted until it leaves the ledger, so `chars`
   * never under-counts what is held. At most maxTextEntries answers and maxChars characters.
   */
  let ledger = new Map<
    Cached,
    { chars: number; document: DocumentNode; key: string; texts: Set<string> }
  >();
  let chars = 0;
  const keep = (cached: Cached, document: DocumentNode, key: string, size: number) => {
    ledger.set(cached, { chars: size, document, key, texts: new Set() });
    chars += size;
    for (const [oldest, entry] of ledger) {
      if (chars <= maxChars && ledger.size <= maxTextEntries) break;
      ledger.delete(oldest);
      chars -= entry.chars;
      const entries = cache.get(entry.document);
      if (entries?.get(entry.key) === oldest) entries.delete(entry.key);
      for (const text of entry.texts) if (byText.get(text) === oldest) byText.delete(text);
    }
  };
  const keepText = (textKey: string, cached: Cached) => {
    const entry = ledger.get(cached);
    if (!entry) return;
    remember(byText, textKey, cached, maxTextEntries);
    entry.texts.add(textKey);
  };
  const textKeys = new WeakMap<Request, string>();
  /**
   * The headers Yoga sent with a kept answer to anonymous POSTs without an Origin, by Accept
   * header: all it takes to send the answer again without Yoga (replay). Dropped with the answer.
   */
  let replays = new WeakMap<Cached, Map<string, [string, string][]>>();
  /**
   * Misses being answered, by text key: identical requests arriving meanwhile wait for the
   * first instead of each running the same SQL (after every tick, 100 clients would otherwise
   * miss at once). Settled when the first request's result is out, cached or not.
   */
  let inflight = new Map<
    string,
    {
      request: Request;
      settle: (r: Cached | undefined) => void;
      promise: Promise<Cached | undefined>;
    }
  >();
  let uncacheable = new Map<string, true>();
  let generation = 0;
  let flushedAt = Date.now();
  const flush = () => {
    uncacheable = new Map();
    generation++;
    cache = new WeakMap();
    byText = new Map();
    replays = new WeakMap();
    ledger = new Map();
    chars = 0;
    flushedAt = Date.now();
    // Waiters run their own request against the new state.
    for (const flight of inflight.values()) flight.settle(undefined);
    inflight = new Map();
  };
  const maxAgeMs = options.maxAgeMs ?? MAX_AGE_MS;
  const expire = () => {
    if (Date.now() - flushedAt >= maxAgeMs) flush();
  };
  // Also called when stored Datanet content changes (`Contribution.content`, `ingestion`).
  reader.onTick(flush);
  return {
    stats: () => ({ entries: ledger.size, chars }),
    replay(textKey, accept) {
      expire();
      const cached = byText.get(textKey);
      const headers = cached && replays.get(cached)?.get(accept);
      return headers ? { body: cached.stringify(), headers } : undefined;
    },
    onResponse({ request, response }) {
      if (response.status !== 200 || request.method !== "POST" || request.headers.has("origin"))
        return;
      const key = textKeys.get(request);
      const cached = key === undefined ? undefined : byText.get(key);
      if (!cached || !anonymous(request)) return;
      const byAccept = replays.get(cached) ?? new Map<string, [string, string][]>();
      replays.set(cached, byAccept);
      const headers: [string, string][] = [];
      response.headers.forEach((value, name) => {
        if (!UNREPLAYED.has(name)) headers.push([name, value]);
      });
      byAccept.set(request.headers.get("accept") ?? "", headers);
    },
    async onParams({ request, params, setResult }) {
      if (!params.query || !anonymous(request)) return;
      expire();
      const key = textKeyOf({ ...params, query: params.query });
      textKeys.set(request, key);
      // Wait for an identical request being answered. A flight that ends without an answer (a
      // tick landed, the answer was not kept) sends its waiters round again: one of them leads
      // the next flight and the rest wait for it, rather than all running at once. No await
      // between finding no flight and registering one, or every request would lead its own.
      for (;;) {
        const hit = byText.get(key);
        if (hit) {
          setResult(hit);
          return;
        }
        const flight = inflight.get(key);
        if (!flight) break;
        const answer = await flight.promise;
        if (answer) {
          setResult(answer);
          return;
        }
        if (uncacheable.has(key)) break;
      }
      // Requests seen to give no cacheable answer (mutations, errors) run side by side.
      if (!inflight.has(key) && !uncacheable.has(key)) {
        let settle: (r: Cached | undefined) => void = () => {};
        const promise = new Promise<Cached | undefined>((resolve) => {
          settle = resolve;
        });
        const flights = inflight;
        const flight = {
          request,
          promise,
          settle: (r: Cached | undefined) => {
            settle(r);
            if (flights.get(key) === flight) flights.delete(key);
          },
        };
        inflight.set(key, flight);
        // Never leave waiters hanging on a request that died without a result.
        setTimeout(() => flight.settle(undefined), 5_000).unref();
      }
    },
    onExecutionResult({ request }) {
      const key = textKeys.get(request);
      if (key === undefined) return;
      const flight = inflight.get(key);
      if (flight?.request !== request) return;
      const result = byText.get(key);
      if (!result) remember(uncacheable, key, true, maxTextEntries);
      flight.settle(result);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context & { request?: Request };
      if (context.viewer) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== "query") return;
      const document = args.document as DocumentNode;
      const roots = rootFields(operation.selectionSet, fragmentsOf(document));
      if (!roots?.every((name) => CHAIN_FIELDS.has(name))) return;
      expire();
      const key = `${args.operationName ?? ""}|${JSON.stringify(args.variableValues ?? {})}`;
      const textKey = context.request ? textKeys.get(context.request) : undefined;
      const hit = cache.get(document)?.get(key);
      if (hit) {
        if (textKey !== undefined) keepText(textKey, hit);
        setResultAndStopExecution(hit);
        return;
      }
      const seen = generation;
      return {
        onExecuteDone({ result }) {
          if (seen !== generation || Symbol.asyncIterator in result || result.errors) return;
          let text: string | undefined;
          const cached: Cached = {
            ...result,
            // Serialised once, on the first response that needs it.
            stringify: () => {
              text ??= JSON.stringify({ data: result.data, extensions: result.extensions });
              return text;
            },
          };
          // Large answers (stored content) are not worth their memory: they run each time.
          // Charged with a little for the entry itself, so that many tiny answers count too.
          const size = cached.stringify().length + ENTRY_OVERHEAD;
          if (size - ENTRY_OVERHEAD > MAX_CACHED_CHARS || size > maxChars) return;
          let entries = cache.get(document);
          if (!entries) {
            entries = new Map();
            cache.set(document, entries);
          }
          remember(entries, key, cached, maxEntriesPerDocument);
          keep(cached, document, key, size);
          if (textKey !== undefined) keepText(textKey, cached);
        },
      };
    },
  };
}

/** Bounded insertion-ordered map: the oldest entry goes first. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number) {
  if (map.size >= max && !map.has(key)) map.delete(map.keys().next().value as string);
  map.set(key, value);
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/**
 * The root fields an operation selects, through named and inline fragments (Relay and Apollo
 * clients spread fragments at the root); null when a fragment is missing or spread in a cycle.
 */
function rootFields(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  visiting: Set<string> = new Set(),
): string[] | null {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      names.push(selection.name.value);
      continue;
    }
    let inner: SelectionSetNode;
    if (selection.kind === Kind.INLINE_FRAGMENT) inner = selection.selectionSet;
    else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || visiting.has(name)) return null;
      visiting.add(name);
      inner = fragment.selectionSet;
    }
    const nested = rootFields(inner, fragments, visiting);
    if (selection.kind === Kind.FRAGMENT_SPREAD) visiting.delete(selection.name.value);
    if (!nested) return null;
    names.push(...nested);
  }
  return names;
}
