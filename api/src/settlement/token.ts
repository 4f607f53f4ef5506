import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * The bearer token `POST /settle` requires on a devnet: TRIBUTARY_SETTLE_TOKEN when set, else
 * one kept in `<dir>/settle-token` (made once, readable by the owner only), which
 * `npm run settle` reads from the same place.
 */
export function settleToken(dir: string): string {
  const fromEnv = process.env.TRIBUTARY_SETTLE_TOKEN;
  if (fromEnv) return fromEnv;
  const file = path.join(dir, "settle-token");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dir, { recursive: true });
  const token = randomBytes(32).toString("hex");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
