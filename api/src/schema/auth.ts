import { and, eq, gt, isNull } from "drizzle-orm";
import {
  type API_KEY_SCOPES,
  type ApiKeyRow,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "../auth/api-keys.ts";
import {
  clearSessionCookie,
  issueNonce,
  revokeSession,
  sessionCookie,
  signIn,
} from "../auth/siwe.ts";
import { builder } from "../builder.ts";
import type { Viewer } from "../context.ts";
import { session } from "../db/schema.ts";
import { InvalidInputError, NotFoundError, SiweError } from "../errors.ts";
import { authErrors } from "./errors.ts";
import { AccountRef } from "./refs.ts";

export const ApiKeyScopeEnum = builder.enumType("ApiKeyScope", {
  description: "What an API key may do (sessions may do everything).",
  values: {
    READ: { description: "Read private views (own keys, relayed transactions)." },
    PREPARE: { description: "Prepare transactions and typed data for its owner's wallet." },
    RELAY: { description: "Relay signed transactions." },
    CONTENT: { description: "Upload the content of its owner's contributions." },
    AGENTS: { description: "Create and update agents its owner operates." },
    TRAIN: {
      description: "Start, follow, cancel and publish its owner's LoRA training jobs.",
    },
    DEPLOY: {
      description:
        "Ask the inference pool to load adapters its owner owns (any adapter, for a pool operator).",
    },
    INVOKE: {
      description: "Invoke agents as its owner (the payer of the vouchers it presents).",
    },
  } as const,
});

const ApiKey = builder.objectRef<ApiKeyRow>("ApiKey").implement({
  description: "A server-to-server API key (its secret is shown only once, at creation).",
  fields: (f) => ({
    id: f.exposeID("id", { description: "Key id (use with `revokeApiKey`)." }),
    name: f.exposeString("name", { description: "Label chosen by the owner." }),
    prefix: f.exposeString("prefix", {
      description: "First characters of the secret, to tell keys apart.",
    }),
    scopes: f.field({
      type: [ApiKeyScopeEnum],
      description: "What it may do.",
      resolve: (k) => k.scopes as (typeof API_KEY_SCOPES)[number][],
    }),
    rateLimitPerMinute: f.exposeInt("rateLimitPerMinute", {
      description: "Requests per minute allowed.",
    }),
    createdAt: f.field({
      type: "DateTime",
      description: "Creation time.",
      resolve: (k) => k.createdAt,
    }),
    revokedAt: f.field({
      type: "DateTime",
      nullable: true,
      description: "Revocation time, if revoked.",
      resolve: (k) => k.revokedAt,
    }),
    lastUsedAt: f.field({
      type: "DateTime",
      nullable: true,
      description: "Last request made with it.",
      resolve: (k) => k.lastUsedAt,
    }),
  }),
});

const ViewerType = builder.objectRef<Viewer>("Viewer").implement({
  description: "The caller, as authenticated by a SIWE session or an API key.",
  fields: (f) => ({
    address: f.field({
      type: "Address",
      description: "The signed-in address (or the key's owner).",
      resolve: (v) => v.address,
    }),
    chainId: f.exposeInt("chainId", { description: "Chain id the session is bound to." }),
    via: f.string({ description: "`session` or `apiKey`.", resolve: (v) => v.via }),
    scopes: f.field({
      type: [ApiKeyScopeEnum],
      description: "What this credential may do.",
      resolve: (v) => [...v.scopes],
    }),
    account: f.field({
      type: AccountRef,
      description: "The caller's account.",
      resolve: (v) => v.address,
    }),
    apiKeys: f.field({
      type: [ApiKey],
      description: "The caller's API keys, revoked ones included. Needs a session.",
      authScopes: { session: true },
      resolve: (v, _, ctx) => listApiKeys(ctx.app.db, v.address),
    }),
  }),
});

const Nonce = builder.objectRef<{ nonce: string; expiresAt: Date }>("SiweNonce").implement({
  description: "A single-use nonce to put in a Sign-In with Ethereum message.",
  fields: (f) => ({
    nonce: f.exposeString("nonce", { description: "Put this in the message's `Nonce:` line." }),
    expiresAt: f.field({
      type: "DateTime",
      description: "Sign in before this.",
      resolve: (n) => n.expiresAt,
    }),
  }),
});

const Session = builder
  .objectRef<{ token: string; address: `0x${string}`; chainId: number; expiresAt: Date }>("Session")
  .implement({
    description: "A session opened by `signIn` (also set as an HttpOnly cookie).",
    fields: (f) => ({
      token: f.exposeString("token", {
        description: "Bearer token for `Authorization: Bearer …` (keep it secret).",
      }),
      address: f.field({
        type: "Address",
        description: "Signed-in address.",
        resolve: (s) => s.address,
      }),
      chainId: f.exposeInt("chainId", { description: "Chain id the session is bound to." }),
      expiresAt: f.field({
        type: "DateTime",
        description: "The session ends then.",
        resolve: (s) => s.expiresAt,
      }),
    }),
  });

const CreatedApiKey = builder
  .objectRef<{ row: ApiKeyRow; secret: string }>("CreatedApiKey")
  .implement({
    description: "A new API key and its secret (shown only now; only its hash is stored).",
    fields: (f) => ({
      key: f.field({ type: ApiKey, description: "The key.", resolve: (k) => k.row }),
      secret: f.exposeString("secret", {
        description: "Send as `Authorization: Bearer <secret>` or `X-API-Key`.",
      }),
    }),
  });

builder.queryFields((f) => ({
  viewer: f.field({
    type: ViewerType,
    nullable: true,
    description: "The caller (null when anonymous).",
    resolve: (_, __, ctx) => ctx.viewer,
  }),
}));

builder.mutationFields((f) => ({
  siweNonce: f.field({
    type: Nonce,
    description:
      "Issues a single-use nonce (valid 10 minutes) for a Sign-In with Ethereum message.",
    resolve: (_, __, ctx) => issueNonce(ctx),
  }),
  signIn: f.field({
    type: Session,
    description:
      "Signs in with an EIP-4361 message and its signature. The nonce is consumed; the session is bound to the address and chain id. Errors: SiweError (expired, replayed, wrong domain/chain, bad signature).",
    errors: { types: [SiweError, ...authErrors] },
    args: {
      message: f.arg.string({
        required: true,
        description: "The EIP-4361 message, exactly as signed.",
        validate: { maxLength: 4000 },
      }),
      signature: f.arg({
        type: "Bytes",
        required: true,
        description: "The wallet's personal_sign signature.",
      }),
    },
    resolve: async (_, { message, signature }, ctx) => {
      const signed = await signIn(ctx, message, signature);
      ctx.responseCookies.push(sessionCookie(signed.token, signed.expiresAt, ctx.cookieSecure));
      return signed;
    },
  }),
  signOut: f.boolean({
    description: "Ends the current session (and clears its cookie). True when a session was ended.",
    errors: { types: authErrors },
    authScopes: { session: true },
    resolve: async (_, __, ctx) => {
      if (!ctx.viewer?.sessionId) return false;
      await revokeSession(ctx, ctx.viewer.sessionId);
      ctx.responseCookies.push(clearSessionCookie(ctx.cookieSecure));
      return true;
    },
  }),
  signOutEverywhere: f.int({
    description: "Ends every live session of the signed-in address; returns how many.",
    errors: { types: authErrors },
    authScopes: { session: true },
    resolve: async (_, __, ctx) => {
      const ended = await ctx.app.db
        .update(session)
        .set({ revokedAt: new Date() })
        .where(
          and(
            eq(session.address, ctx.viewer!.address),
            isNull(session.revokedAt),
            gt(session.expiresAt, new Date()),
          ),
        )
        .returning();
      ctx.responseCookies.push(clearSessionCookie(ctx.cookieSecure));
      return ended.length;
    },
  }),
  createApiKey: f.field({
    type: CreatedApiKey,
    description:
      "Creates an API key owned by the signed-in address. Needs a session (not another key). Errors: InvalidInputError (a rate limit over the server's maximum, or the owner already has the most live keys allowed, 20 unless configured).",
    errors: { types: [InvalidInputError, ...authErrors] },
    authScopes: { session: true },
    args: {
      name: f.arg.string({
        required: true,
        description: "A label (1–64 characters).",
        validate: { minLength: 1, maxLength: 64 },
      }),
      scopes: f.arg({
        type: [ApiKeyScopeEnum],
        required: true,
        description: "What it may do (at least one).",
        validate: { minLength: 1 },
      }),
      rateLimitPerMinute: f.arg.int({
        description:
          "Requests per minute: at most the server's maximum (1,200 unless configured); 600 by default, or the maximum when it is lower.",
        validate: { min: 1 },
      }),
    },
    resolve: (_, args, ctx) =>
      createApiKey(
        ctx.app.db,
        {
          owner: ctx.viewer!.address,
          name: args.name,
          scopes: args.scopes,
          rateLimitPerMinute:
            args.rateLimitPerMinute ?? Math.min(600, ctx.apiKeyLimits.maxRateLimitPerMinute),
        },
        ctx.apiKeyLimits,
      ),
  }),
  revokeApiKey: f.field({
    type: ApiKey,
    description:
      "Revokes one of the signed-in address's API keys. Errors: NotFoundError (unknown, revoked, or someone else's).",
    errors: { types: [NotFoundError, ...authErrors] },
    authScopes: { session: true },
    args: { id: f.arg.id({ required: true, description: "The key's id." }) },
    resolve: async (_, { id }, ctx) => {
      const row = await revokeApiKey(ctx.app.db, ctx.viewer!.address, String(id));
      if (!row) throw new NotFoundError("ApiKey", String(id));
      return row;
    },
  }),
}));
