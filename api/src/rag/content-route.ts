import type { ServerResponse } from "node:http";
import type { Rag } from "./index.ts";

const CONTENT_TYPES: Record<string, string> = {
  "text/plain": "text/plain; charset=utf-8",
  "text/markdown": "text/markdown; charset=utf-8",
  "application/x-ndjson": "application/x-ndjson; charset=utf-8",
};

/**
 * `GET /content/<sha256>`: stored contribution content by its hash, byte for byte as uploaded,
 * so an on-chain `uri` can point here and anyone can check the bytes against `contentHash`.
 * Anonymous, under the Datanets' access rule.
 */
export async function serveContent(rag: Rag, hash: string, res: ServerResponse): Promise<void> {
  // Uploaded text is served as inert data: never sniffed into HTML, never run as a page.
  const reply = (status: number, body: string, type = "application/json") => {
    res.writeHead(status, {
      "content-type": type,
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      // A takedown must take effect at once, so no cache may keep a copy.
      "cache-control": "no-store",
    });
    res.end(body);
  };
  const error = (status: number, message: string) =>
    reply(status, JSON.stringify({ errors: [{ message }] }));
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) return error(400, "Expected /content/0x<sha256 hex>");
  const found = await rag.readableContent(null, hash);
  if (found === null) return error(404, "No stored content has this hash");
  if (found === "forbidden") return error(403, "This content's Datanet is restricted");
  reply(200, found.text, CONTENT_TYPES[found.mediaType] ?? "text/plain; charset=utf-8");
}
