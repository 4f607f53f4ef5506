// Cache hits answered before Yoga. On this API's hot path (an anonymous client repeating a chain
// read) a hit skips parse and execution already, but still goes through the Fetch-API adapter
// (a Request and a Response built per call, the body streamed): a CPU profile under load put
// that adapter and Yoga's own hooks at about a fifth of the process's time, and the socket
// writes at another fifth. Here the node request is answered straight from the cache with the
// headers Yoga sent for the same answer (recorded per Accept header), in one write.
import type { IncomingMessage, ServerResponse } from "node:http";
import { anonymousHeaders, type chainReadCache, textKeyOf } from "./cache.ts";

type ResponseCache = Pick<ReturnType<typeof chainReadCache>, "replay">;

/**
 * Answers `req` from `cache` when it is an anonymous JSON POST without an Origin (browsers'
 * requests need CORS and go through Yoga) whose answer is kept, and returns true. Otherwise
 * returns false, with the body it read left on `req.body`, where Yoga's adapter reads it
 * (the stream is spent). The caller has bounded the body by its Content-Length.
 */
export async function answerFromCache(
  req: IncomingMessage & { body?: Buffer },
  res: ServerResponse,
  cache: ResponseCache,
): Promise<boolean> {
  if (
    req.method !== "POST" ||
    req.headers.origin !== undefined ||
    !Number(req.headers["content-length"]) ||
    !req.headers["content-type"]?.startsWith("application/json") ||
    !anonymousHeaders((name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    })
  )
    return false;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  req.body = Buffer.concat(chunks);
  const params = parseParams(req.body);
  if (!params) return false;
  const answer = cache.replay(textKeyOf(params), req.headers.accept ?? "");
  if (!answer) return false;
  // A flat [name, value, …] list: the names as Yoga wrote them, in its order.
  res.writeHead(200, [
    ...answer.headers.flat(),
    "content-length",
    String(Buffer.byteLength(answer.body)),
  ]);
  res.end(answer.body);
  return true;
}

/** The GraphQL parameters of a JSON body, or null for anything Yoga should judge itself. */
function parseParams(body: Buffer) {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const { query, operationName, variables, extensions } = value as Record<string, unknown>;
  // Extensions (persisted queries and the like) change what a body means: Yoga's to read.
  if (typeof query !== "string" || extensions !== undefined) return null;
  if (operationName != null && typeof operationName !== "string") return null;
  if (variables != null && (typeof variables !== "object" || Array.isArray(variables))) return null;
  return { query, operationName, variables };
}
