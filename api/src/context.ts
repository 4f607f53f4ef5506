import type { Logger } from "pino";
import type { Address } from "viem";
import type { AgentsService } from "./agents/index.ts";
import type { ApiKeyScope } from "./auth/api-keys.ts";
import type { ChainService } from "./chain/index.ts";
import type { AppDatabase } from "./db/index.ts";
import type { PubSub } from "./feeder/pubsub.ts";
import type { Rag } from "./rag/index.ts";
import type { ChainReader } from "./reader/index.ts";

/** Who is calling: a SIWE session (all scopes) or an API key (its scopes). */
export interface Viewer {
  address: Address;
  chainId: number;
  via: "session" | "apiKey";
  sessionId?: string;
  apiKeyId?: string;
  scopes: readonly ApiKeyScope[];
}

/** Services shared by every request of one server. */
export interface Services {
  reader: ChainReader;
  app: AppDatabase;
  chain: ChainService;
  /** Datanet content: uploads, search, span attribution. */
  rag: Rag;
  /** Agent specs, signer keys, the payers' ledger and the invocation runtime. */
  agents: AgentsService;
  pubsub: PubSub;
  log: Logger;
  /** SIWE `domain` this server accepts (its host); any when null (tests). */
  siweDomain: string | null;
  cookieSecure: boolean;
  /** Serve repeated anonymous chain reads from memory until the next indexer tick. */
  responseCache: boolean;
}

export interface Context extends Services {
  requestId: string;
  ip: string;
  viewer: Viewer | null;
  /** Set-Cookie headers for the response (the session cookie). */
  responseCookies: string[];
  /** Aborts when the client goes away (cancels an agent's generation). */
  signal: AbortSignal;
}
