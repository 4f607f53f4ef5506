import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";

/** IPv4 peers reach a dual-stack socket as `::ffff:a.b.c.d`; one spelling per address. */
const normalize = (ip: string) =>
  ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;

/**
 * The client's address for rate limits and logs. `X-Forwarded-For` is honoured only when the
 * socket's peer is a configured trusted proxy (an address or CIDR): anyone else could write any
 * address there and get a fresh bucket per request. The list is read from the right, each
 * trusted proxy having appended the address it got the request from; the first address that is
 * not a trusted proxy is the client (what lies left of it the client wrote itself).
 */
export function createClientIp(trustedProxies: readonly string[]) {
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address = "", bits] = entry.trim().split("/");
    const version = isIP(address);
    if (version === 0) throw new Error(`Trusted proxy is not an IP address or CIDR: ${entry}`);
    const type = version === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) trusted.addAddress(address, type);
    else trusted.addSubnet(address, Number(bits), type);
  }
  const isTrusted = (ip: string) => {
    const version = isIP(ip);
    return version !== 0 && trusted.check(ip, version === 6 ? "ipv6" : "ipv4");
  };
  const cache = new WeakMap<IncomingMessage, string>();

  return (req: IncomingMessage): string => {
    const known = cache.get(req);
    if (known) return known;
    let ip = normalize(req.socket?.remoteAddress ?? "unknown");
    if (trustedProxies.length > 0 && isTrusted(ip)) {
      const header = req.headers["x-forwarded-for"];
      const hops = (Array.isArray(header) ? header.join(",") : (header ?? ""))
        .split(",")
        .map((hop) => normalize(hop.trim()))
        .filter(Boolean);
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i] as string;
        if (isIP(hop) === 0) break;
        ip = hop;
        if (!isTrusted(hop)) break;
      }
    }
    cache.set(req, ip);
    return ip;
  };
}

export type ClientIp = ReturnType<typeof createClientIp>;
