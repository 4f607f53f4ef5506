import SchemaBuilder from "@pothos/core";
import DataloaderPlugin from "@pothos/plugin-dataloader";
import ErrorsPlugin from "@pothos/plugin-errors";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin, { ForbiddenError } from "@pothos/plugin-scope-auth";
import ZodPlugin from "@pothos/plugin-zod";
import type { Address, Hex } from "viem";
import type { ApiKeyScope } from "./auth/api-keys.ts";
import type { Context } from "./context.ts";
import { AuthenticationError, RateLimitedError } from "./errors.ts";

export type Scalars = {
  /** uint256 token amounts (wei): exact decimal strings on the wire. */
  TokenAmount: { Input: bigint; Output: bigint };
  /** Other uint256 values (shares, block numbers): exact decimal strings. */
  BigInt: { Input: bigint; Output: bigint };
  Address: { Input: Address; Output: Address };
  Bytes32: { Input: Hex; Output: Hex };
  Bytes: { Input: Hex; Output: Hex };
  /** Unix seconds (bigint) out, ISO-8601 in. */
  DateTime: { Input: Date; Output: bigint | Date };
  JSON: { Input: unknown; Output: unknown };
};

export interface AuthScopes {
  /** A SIWE session or an API key. */
  signedIn: boolean;
  /** A SIWE session (API keys cannot manage keys or sessions). */
  session: boolean;
  /** The caller is this address (session or key owner). */
  account: Address;
  /** An API key carrying this scope, or any session. */
  scope: ApiKeyScope;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: Scalars;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
}>({
  // Relay first so auth checks see decoded global IDs; errors before scope-auth so that its
  // ForbiddenError is returned in the field's result union rather than thrown.
  plugins: [RelayPlugin, ErrorsPlugin, ScopeAuthPlugin, ZodPlugin, DataloaderPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    nodesOnConnection: { description: "The results on this page, without cursors." },
    brandLoadedObjects: true,
    nodeQueryOptions: {
      description: "Any object by its global ID.",
      args: { id: { description: "A global ID." } },
    },
    nodesQueryOptions: {
      description: "Objects by their global IDs (null for unknown ones).",
      args: { ids: { description: "Global IDs (at most 100).", validate: { maxLength: 100 } } },
    },
    nodeTypeOptions: { description: "An object with a global ID." },
    pageInfoTypeOptions: { description: "Where a page sits in its connection." },
    defaultConnectionTypeOptions: { description: "A page of results (Relay connection)." },
    defaultEdgeTypeOptions: { description: "One result and its cursor." },
    edgesFieldOptions: { description: "The results on this page, with cursors." },
    pageInfoFieldOptions: { description: "Cursors and whether more pages exist." },
    cursorFieldOptions: { description: "Opaque cursor for `after`/`before`." },
    nodeFieldOptions: { description: "The result." },
    hasNextPageFieldOptions: { description: "Whether a page follows." },
    hasPreviousPageFieldOptions: { description: "Whether a page precedes." },
    startCursorFieldOptions: { description: "Cursor of the first result on this page." },
    endCursorFieldOptions: { description: "Cursor of the last result on this page." },
    idFieldOptions: { description: "Global ID (opaque; use with `node`)." },
    firstArgOptions: { description: "Return at most this many results after `after` (max 100)." },
    lastArgOptions: { description: "Return at most this many results before `before` (max 100)." },
    afterArgOptions: { description: "Cursor to continue after." },
    beforeArgOptions: { description: "Cursor to continue before." },
  },
  scopeAuth: {
    // Subscriptions are authorized once, when they start.
    authorizeOnSubscribe: true,
    // A key over its rate limit holds no scope until its window resets.
    authScopes: async (context) => {
      const viewer = context.viewer?.retryAfterSeconds ? null : context.viewer;
      return {
        signedIn: viewer !== null,
        session: viewer?.via === "session",
        account: (address) => viewer?.address === address,
        scope: (scope) => viewer?.via === "session" || (viewer?.scopes.includes(scope) ?? false),
      };
    },
    // The error says what would help: signing in, waiting, or another credential.
    unauthorizedError: (_parent, context, _info, result) => {
      if (!context.viewer) return new AuthenticationError();
      if (context.viewer.retryAfterSeconds)
        return new RateLimitedError(context.viewer.retryAfterSeconds);
      return new ForbiddenError(result.message, result.failure);
    },
  },
  errors: {
    defaultTypes: [],
    defaultResultOptions: { description: "The field's result when it succeeded (see `data`)." },
    defaultUnionOptions: {
      description: "The field's result, or one of the typed errors it can return.",
    },
  },
  zod: {},
});
