// Who may call the pool. Callers (services such as the agents runtime) hold named keys and are
// metered by name; the admin key alone manages adapters and ensembles. Keys are compared as
// sha256 digests in constant time, against every known key, so neither timing nor an early
// exit says which key (or how much of one) matched.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { AuthenticationError, PoolConfigError } from "../errors.ts";

export interface PoolCredentials {
  /** Caller name → key. The name is what usage records carry as `caller`. */
  callerKeys: Record<string, string>;
  adminKey: string;
}

export interface Keyring {
  readonly callerNames: readonly string[];
  /** The caller's name for an `Authorization` header; throws AuthenticationError otherwise. */
  caller(authorization: string | undefined): string;
  /** Returns only for the admin key; throws AuthenticationError otherwise. */
  admin(authorization: string | undefined): void;
}

const CALLER_NAME = /^[\w.-]{1,64}$/;
const KEY = /^[\x21-\x7e]{16,256}$/;

/** A fresh random key (256 bits, base64url): `tpk_…` for callers, `tpa_…` for the admin. */
export function generateKey(kind: "caller" | "admin"): string {
  return `${kind === "admin" ? "tpa" : "tpk"}_${randomBytes(32).toString("base64url")}`;
}

/** `TRIBUTARY_POOL_CALLER_KEYS`: `name=key` pairs separated by commas. */
export function parseCallerKeys(text: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const entry of text.split(",")) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    const at = trimmed.indexOf("=");
    if (at <= 0) {
      throw new PoolConfigError(
        "caller keys are `name=key` pairs separated by commas",
        "callerKeys",
      );
    }
    keys[trimmed.slice(0, at)] = trimmed.slice(at + 1);
  }
  return keys;
}

const digest = (key: string) => createHash("sha256").update(key, "utf8").digest();

function bearer(authorization: string | undefined): Buffer {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match?.[1]) {
    throw new AuthenticationError(
      "You didn't provide an API key. Send it as `Authorization: Bearer <key>`.",
      "missing_api_key",
    );
  }
  return digest(match[1]);
}

export function createKeyring(credentials: PoolCredentials): Keyring {
  const entries = Object.entries(credentials.callerKeys);
  const invalid = (message: string) => new PoolConfigError(message, "callerKeys");
  if (entries.length === 0) throw invalid("the pool needs at least one caller key");
  for (const [name, key] of entries) {
    if (!CALLER_NAME.test(name))
      throw invalid(`caller name ${JSON.stringify(name)} is not 1-64 of [A-Za-z0-9_.-]`);
    if (!KEY.test(key))
      throw invalid(`caller ${name}'s key must be 16-256 printable ASCII characters`);
  }
  if (!KEY.test(credentials.adminKey))
    throw invalid("the admin key must be 16-256 printable ASCII characters");
  const keys = new Set(entries.map(([, key]) => key));
  if (keys.size !== entries.length) throw invalid("two callers share a key");
  if (keys.has(credentials.adminKey))
    throw invalid("the admin key must differ from every caller key");
  const callers = entries.map(([name, key]) => ({ name, digest: digest(key) }));
  const adminDigest = digest(credentials.adminKey);
  const wrongKey = () => new AuthenticationError("Incorrect API key provided.", "invalid_api_key");

  return {
    callerNames: callers.map((c) => c.name),
    caller(authorization) {
      const presented = bearer(authorization);
      let found: string | null = null;
      // Every key is compared, matched or not: the time taken says nothing about which.
      for (const entry of callers) {
        if (timingSafeEqual(presented, entry.digest)) found = entry.name;
      }
      if (found === null) throw wrongKey();
      return found;
    },
    admin(authorization) {
      if (!timingSafeEqual(bearer(authorization), adminDigest)) throw wrongKey();
    },
  };
}
