import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { type DocumentNode, parse } from "graphql";
import { createYoga, type Plugin } from "graphql-yoga";
import type { RateLimiter } from "../auth/rate-limit.ts";
import { resolveViewer } from "../auth/viewer.ts";
import type { Context, Services } from "../context.ts";
import { schema } from "../schema/index.ts";
import { chainReadCache } from "./cache.ts";
import type { Metrics } from "./metrics.ts";

export const LIMITS = { tokens: 3000, depth: 12, aliases: 20, cost: 20_000 } as const;

const tokenLimit: Plugin = {
  onParse({ setParseFn }) {
    setParseFn((source, options) => parse(source, { ...options, maxTokens: LIMITS.tokens }));
  },
};

/** Set-Cookie headers resolvers asked for, keyed by the request they answer. */
const cookiesByRequest = new WeakMap<Request, string[]>();

export interface ServerContext {
  req: IncomingMessage;
  requestId?: string;
}

/** The Yoga app: schema, per-request context (viewer, request id), armor limits, metrics. */
export function createYogaApp(services: Services, limiter: RateLimiter, metrics: Metrics) {
  const observe: Plugin<Context> = {
    onExecute({ args }) {
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
    onResponse({ request, response }) {
      for (const cookie of cookiesByRequest.get(request) ?? [])
        response.headers.append("set-cookie", cookie);
    },
  };

  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: { title: "Tributary API", subscriptionsProtocol: "WS", defaultQuery: DEFAULT_QUERY },
    // Unexpected errors reach clients as "Unexpected error." with the request id; the original
    // is logged. Typed errors travel in result unions, untouched.
    maskedErrors: true,
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args) => services.log.warn({ yoga: args.map(String) }),
      error: (...args) => services.log.error({ err: args[0] }, "graphql error"),
    },
    plugins: [
      // graphql's own token limit (armor's max-tokens brings a second copy of graphql, whose
      // errors Yoga would mask as 500s).
      tokenLimit,
      maxDepthPlugin({ n: LIMITS.depth, flattenFragments: true }),
      maxAliasesPlugin({ n: LIMITS.aliases }),
      costLimitPlugin({ maxCost: LIMITS.cost }),
      observe,
      ...(services.responseCache
        ? [
            chainReadCache({
              // Content and ingestion change off the indexer's ticks too (uploads, takedowns).
              onTick: (listener) => {
                const ticks = services.reader.onTick(listener);
                const content = services.rag.onChange(listener);
                return () => {
                  ticks();
                  content();
                };
              },
            }),
          ]
        : []),
    ],
    context: async ({ request, req, requestId }): Promise<Context> => {
      const viewer = await resolveViewer(services, limiter, request);
      const context: Context = {
        ...services,
        requestId: requestId ?? request.headers.get("x-request-id") ?? randomUUID(),
        ip: req?.socket?.remoteAddress ?? "unknown",
        viewer,
        responseCookies: [],
      };
      cookiesByRequest.set(request, context.responseCookies);
      return context;
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
