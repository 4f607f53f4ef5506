import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64" };

/**
 * The path of the native forge/anvil binary shipped in the platform package that npm installed
 * as an optional dependency. Spawning it directly (not the npm `bin.mjs` shim) lets us signal
 * the real process on shutdown.
 */
export function foundryBinary(tool: "anvil" | "forge"): string {
  const arch = ARCH[process.arch];
  const platform = process.platform === "win32" ? "win32" : process.platform;
  if (!arch) throw new Error(`@foundry-rs/${tool}: unsupported architecture ${process.arch}`);
  const pkg = `@foundry-rs/${tool}-${platform}-${arch}`;
  const manifest = require.resolve(`${pkg}/package.json`);
  const binary = path.join(
    path.dirname(manifest),
    "bin",
    process.platform === "win32" ? `${tool}.exe` : tool,
  );
  if (!existsSync(binary)) throw new Error(`${pkg} is installed but has no binary at ${binary}`);
  return binary;
}
