import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { type DocumentNode, GraphQLError, getOperationAST, parse } from "graphql";
import { createYoga, maskError, type Plugin } from "graphql-yoga";
import { ZodError } from "zod";
import type { RateLimiter } from "../auth/rate-limit.ts";
import { resolveViewer } from "../auth/viewer.ts";
import type { Context, Services } from "../context.ts";
import { TributaryError } from "../errors.ts";
import { schema } from "../schema/index.ts";
import { chainReadCache } from "./cache.ts";
import { costLimit } from "./cost.ts";
import { yogaLogger } from "./error-log.ts";
import type { Metrics } from "./metrics.ts";
import { corsFor } from "./origins.ts";

export const LIMITS = { tokens: 3000, depth: 12, aliases: 20, cost: 20_000 } as const;

const tokenLimit: Plugin = {
  onParse({ setParseFn }) {
    setParseFn((source, options) => parse(source, { ...options, maxTokens: LIMITS.tokens }));
  },
};

/**
 * Yoga's masking, except for expected failures thrown outside result unions: a TributaryError
 * (an unknown id on a nullable root field: `null` and NOT_FOUND) and a failed argument rule
 * (BAD_USER_INPUT, with each issue). They say what the caller got wrong; masking them made them
 * "Unexpected error." 500s.
 */
export function exposeExpectedErrors(error: unknown, message: string, isDev?: boolean) {
  // Duck-typed: a GraphQLError from another copy of graphql is still one.
  const at =
    error instanceof Error && error.name === "GraphQLError" ? (error as GraphQLError) : undefined;
  const original = at ? at.originalError : error;
  const options = { nodes: at?.nodes ?? null, path: at?.path ?? [] };
  // A scope check failed on a field without a result union (a private read).
  if (original instanceof ForbiddenError)
    return new GraphQLError(original.message, {
      ...options,
      extensions: { code: "FORBIDDEN", retryable: false },
    });
  if (original instanceof TributaryError)
    return new GraphQLError(original.message, {
      ...options,
      extensions: { code: original.code, retryable: original.retryable },
    });
  if (original instanceof ZodError) {
    const issues = original.issues.map((i) => ({ path: i.path.map(String), message: i.message }));
    return new GraphQLError(
      `Invalid arguments: ${issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      { ...options, extensions: { code: "BAD_USER_INPUT", issues } },
    );
  }
  return maskError(error, message, isDev);
}

/** Set-Cookie headers resolvers asked for, keyed by the request they answer. */
const cookiesByRequest = new WeakMap<Request, string[]>();

export interface ServerContext {
  req: IncomingMessage;
  requestId?: string;
}

/** The response cache of anonymous chain reads, null when the services turn it off. */
export function createResponseCache(services: Services) {
  if (!services.responseCache) return null;
  return chainReadCache({
    // Content and ingestion change off the indexer's ticks too (uploads, takedowns).
    onTick: (listener) => {
      const ticks = services.reader.onTick(listener);
      const content = services.rag.onChange(listener);
      return () => {
        ticks();
        content();
      };
    },
  });
}

/** The Yoga app: schema, per-request context (viewer, request id), armor limits, metrics. */
export function createYogaApp(
  services: Services,
  limiter: RateLimiter,
  metrics: Metrics,
  responseCache = createResponseCache(services),
) {
  const observe: Plugin<Context> = {
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = overKeyLimit(args.contextValue, args.document, args.operationName);
      if (refusal) return void setResultAndStopExecution({ errors: [refusal] });
      const op = (args.document as DocumentNode).definitions.find(
        (d) => d.kind === "OperationDefinition",
      );
      const type = op && "operation" in op ? op.operation : "unknown";
      return {
        onExecuteDone({ result }) {
          const failed =
            "errors" in result && Array.isArray(result.errors) && result.errors.length > 0;
          metrics.graphqlOperations.inc({ type, result: failed ? "error" : "ok" });
        },
      };
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = overKeyLimit(args.contextValue, args.document, args.operationName);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    onResponse({ request, response }) {
      // The answer depends on the Origin (credentials for allowlisted ones): caches must know.
      if (request.headers.get("origin")) response.headers.append("vary", "Origin");
      for (const cookie of cookiesByRequest.get(request) ?? [])
        response.headers.append("set-cookie", cookie);
    },
  };

  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // Read per request: the policy is completed once the server knows its port.
    cors: corsFor(() => services.origins),
    graphiql: { title: "Tributary API", subscriptionsProtocol: "WS", defaultQuery: DEFAULT_QUERY },
    // GraphiQL's scripts and styles from the package, not a CDN: the page must work offline.
    renderGraphiQL,
    // Unexpected errors reach clients as "Unexpected error." with the request id; the original
    // is logged. Typed errors travel in result unions, untouched; expected ones thrown outside
    // them keep their message and code (exposeExpectedErrors).
    maskedErrors: { maskError: exposeExpectedErrors },
    // Client errors (a forged cursor, a missing sign-in) at info without a stack: error-log.ts.
    logging: yogaLogger(services.log),
    plugins: [
      // graphql's own token limit (armor's max-tokens brings a second copy of graphql, whose
      // errors Yoga would mask as 500s).
      tokenLimit,
      maxDepthPlugin({ n: LIMITS.depth, flattenFragments: true }),
      maxAliasesPlugin({ n: LIMITS.aliases }),
      // Counts list sizes (first/last), not just depth: http/cost.ts.
      costLimit(LIMITS.cost),
      observe,
      ...(responseCache ? [responseCache] : []),
    ],
    context: async ({ request, req, requestId }): Promise<Context> => {
      const viewer = await resolveViewer(services, limiter, request);
      const context: Context = {
        ...services,
        requestId: requestId ?? request.headers.get("x-request-id") ?? randomUUID(),
        ip: req ? services.clientIp(req) : "unknown",
        viewer,
        responseCookies: [],
        signal: request.signal,
      };
      cookiesByRequest.set(request, context.responseCookies);
      return context;
    },
  });
}

/**
 * A key over its per-minute limit: mutations run, each answering RateLimitedError in its result
 * union (scope-auth, builder.ts); queries and subscriptions are refused here with a 429.
 */
function overKeyLimit(
  context: Context,
  document: DocumentNode,
  operationName?: string | null,
): GraphQLError | null {
  const retryAfter = context.viewer?.retryAfterSeconds;
  if (!retryAfter) return null;
  if (getOperationAST(document, operationName)?.operation === "mutation") return null;
  return new GraphQLError(`Rate limit exceeded for this API key; retry in ${retryAfter}s`, {
    extensions: {
      code: "RATE_LIMITED",
      retryAfterSeconds: retryAfter,
      http: { status: 429, headers: { "retry-after": String(retryAfter) } },
    },
  });
}

const DEFAULT_QUERY = `# Tributary GraphQL API: adapters, Datanets, staking, payouts.
query Marketplace {
  adapters(first: 5, orderBy: { field: PRICE_PER_CALL, direction: ASC }) {
    edges { node { modelId name pricePerCall owner { address } baseModel { name } datanets { name } } }
    pageInfo { hasNextPage endCursor }
  }
  agents(first: 5) { edges { node { agentId operator { address } totalActiveAssets active } } }
}
`;
