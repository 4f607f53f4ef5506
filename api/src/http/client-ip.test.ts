import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { createClientIp } from "./client-ip.ts";

const req = (peer: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
  }) as unknown as IncomingMessage;

describe("client IP", () => {
  it("ignores X-Forwarded-For from peers that are not trusted proxies", () => {
    expect(createClientIp([])(req("203.0.113.5", "198.51.100.1"))).toBe("203.0.113.5");
    expect(createClientIp(["10.0.0.1"])(req("203.0.113.5", "198.51.100.1"))).toBe("203.0.113.5");
  });

  it("takes the rightmost address that is not a trusted proxy", () => {
    const ip = createClientIp(["10.0.0.0/8", "127.0.0.1"]);
    // The client wrote the first entry itself; the proxies appended the rest.
    expect(ip(req("127.0.0.1", "1.2.3.4, 198.51.100.7, 10.1.2.3"))).toBe("198.51.100.7");
    expect(ip(req("::ffff:127.0.0.1", "198.51.100.8"))).toBe("198.51.100.8");
    expect(ip(req("127.0.0.1"))).toBe("127.0.0.1");
    // Garbage stops the walk at the last good hop.
    expect(ip(req("127.0.0.1", "not-an-ip, 10.9.9.9"))).toBe("10.9.9.9");
  });

  it("refuses a trusted proxy that is not an address", () => {
    expect(() => createClientIp(["proxy.internal"])).toThrow(/not an IP/);
  });
});
