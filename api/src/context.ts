import type { Logger } from "pino";
import type { Address } from "viem";
import type { AgentsService } from "./agents/index.ts";
import type { ApiKeyLimits, ApiKeyScope } from "./auth/api-keys.ts";
import type { ChainService } from "./chain/index.ts";
import type { AppDatabase } from "./db/index.ts";
import type { AdapterDeployer } from "./deploy/index.ts";
import type { PubSub } from "./feeder/pubsub.ts";
import type { ClientIp } from "./http/client-ip.ts";
import type { OriginPolicy } from "./http/origins.ts";
import type { Rag } from "./rag/index.ts";
import type { ChainReader } from "./reader/index.ts";
import type { TrainingService } from "./training/index.ts";

/** Who is calling: a SIWE session (all scopes) or an API key (its scopes). */
export interface Viewer {
  address: Address;
  chainId: number;
  via: "session" | "apiKey";
  sessionId?: string;
  apiKeyId?: string;
  scopes: readonly ApiKeyScope[];
  /**
   * Set when an API key is over its per-minute limit: seconds until its window resets. Reads are
   * then refused with HTTP 429; mutations return RateLimitedError in their result union.
   */
  retryAfterSeconds?: number;
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
  /** Model Factory: LoRA training jobs on Datanet content. */
  training: TrainingService;
  /** Asks the inference pool to load registered adapters (`deployAdapter`). */
  deployer: AdapterDeployer;
  /**
   * Where published adapters' files are reachable (`<url>/adapters/<sha256>/`): the URI a
   * publication registers, so the pool (and anyone) can fetch them. Default: `publicUrl`.
   */
  adapterFilesUrl: string;
  log: Logger;
  /**
   * The URL users reach Tributary at (the frontend's origin): SIWE messages must name its host
   * as `domain` and a URI on its origin; the session cookie is `Secure` when it is https.
   */
  publicUrl: string;
  cookieSecure: boolean;
  /** Pages allowed to use the session cookie (CORS with credentials, CSRF checks). */
  origins: OriginPolicy;
  /** The client's address (forwarded headers only from trusted proxies). */
  clientIp: ClientIp;
  apiKeyLimits: ApiKeyLimits;
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
