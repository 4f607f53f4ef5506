// A file served by the hash of its content (`<64 hex>.json`): 400 for any other name, 404 when
// nothing has that hash, else the body, cacheable forever since a hash names one content only.
import type { ServerResponse } from "node:http";

export async function serveContentAddressed(
  res: ServerResponse,
  name: string,
  messages: { expected: string; notFound: string },
  lookup: (hex: string) => Promise<string | null>,
): Promise<void> {
  const reply = (status: number, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, {
      "content-type": "application/json",
      "x-content-type-options": "nosniff",
      ...extra,
    });
    res.end(body);
  };
  const error = (status: number, message: string) =>
    reply(status, JSON.stringify({ errors: [{ message }] }));
  const match = /^([0-9a-f]{64})\.json$/.exec(name);
  if (!match) return error(400, messages.expected);
  const body = await lookup(match[1] as string);
  if (body === null) return error(404, messages.notFound);
  reply(200, body, { "cache-control": "public, max-age=31536000, immutable" });
}
