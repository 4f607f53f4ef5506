// The API's security settings from the environment (`npm start`, `npm start -w api`, compose).
import type { ApiServerOptions } from "./server.ts";

type SecurityOptions = Pick<
  ApiServerOptions,
  "publicUrl" | "allowedOrigins" | "trustedProxies" | "metricsToken" | "apiKeys" | "ws"
>;

const list = (value: string | undefined) =>
  value
    ?.split(",")
    .map((item) => item.trim())
    .filter(Boolean);

function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

/** Unset variables leave each default in place (see api/README.md). */
export function securityConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SecurityOptions {
  const ws = {
    connectionsPerIp: positive(env, "TRIBUTARY_WS_CONNECTIONS_PER_IP"),
    connectionsPerCredential: positive(env, "TRIBUTARY_WS_CONNECTIONS_PER_CREDENTIAL"),
    subscriptionsPerIp: positive(env, "TRIBUTARY_WS_SUBSCRIPTIONS_PER_IP"),
    subscriptionsPerCredential: positive(env, "TRIBUTARY_WS_SUBSCRIPTIONS_PER_CREDENTIAL"),
    subscribesPerMinute: positive(env, "TRIBUTARY_WS_SUBSCRIBES_PER_MINUTE"),
  };
  const apiKeys = {
    maxRateLimitPerMinute: positive(env, "TRIBUTARY_API_KEY_MAX_RATE_PER_MINUTE"),
    maxPerOwner: positive(env, "TRIBUTARY_API_KEYS_PER_OWNER"),
  };
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  const options: SecurityOptions = { ws: defined(ws), apiKeys: defined(apiKeys) };
  if (env.TRIBUTARY_PUBLIC_URL) options.publicUrl = new URL(env.TRIBUTARY_PUBLIC_URL).origin;
  const origins = list(env.TRIBUTARY_ALLOWED_ORIGINS);
  if (origins) options.allowedOrigins = origins;
  const proxies = list(env.TRIBUTARY_TRUSTED_PROXIES);
  if (proxies) options.trustedProxies = proxies;
  if (env.TRIBUTARY_METRICS_TOKEN) options.metricsToken = env.TRIBUTARY_METRICS_TOKEN;
  return options;
}
