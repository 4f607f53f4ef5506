import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAIEmbeddings, EmbeddingDimensionError } from "./openai.ts";

interface SeenRequest {
  url: string | undefined;
  authorization: string | undefined;
  body: { model: string; input: string | string[]; dimensions?: number; encoding_format?: string };
}

/**
 * A stand-in for a hosted embedding service: a real HTTP server speaking the OpenAI
 * `/v1/embeddings` wire format. Its "model" has a native size of `nativeDimensions` and honours
 * a requested `dimensions` only up to that size, like a Matryoshka model would.
 */
async function startEmbeddingService(nativeDimensions: number) {
  const seen: SeenRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as SeenRequest["body"];
    seen.push({ url: req.url, authorization: req.headers.authorization, body });
    if (req.method !== "POST" || req.url !== "/v1/embeddings") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "not found", type: "invalid_request_error" } }));
      return;
    }
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const size = Math.min(body.dimensions ?? nativeDimensions, nativeDimensions);
    const data = inputs.map((input, index) => ({
      object: "embedding",
      index,
      // Deterministic per input: entry i is the input's length plus i.
      embedding: Array.from({ length: size }, (_, i) => input.length + i),
    }));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        object: "list",
        data,
        model: body.model,
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      }),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { seen, baseUrl: `http://127.0.0.1:${port}/v1`, close: () => server.close() };
}

describe("OpenAI-compatible embeddings", () => {
  let service: Awaited<ReturnType<typeof startEmbeddingService>>;
  beforeAll(async () => {
    service = await startEmbeddingService(8);
  });
  afterAll(() => service.close());

  it("embeds documents in batches, in order, sending model, dimensions, floats and the key", async () => {
    const embeddings = createOpenAIEmbeddings({
      baseUrl: service.baseUrl,
      apiKey: "sk-test",
      model: "stand-in-embed",
      dimensions: 4,
      batchSize: 2,
    });
    const texts = ["a", "bb", "ccc\nnewline kept", "dddd", "日本語"];
    const vectors = await embeddings.embedDocuments(texts);
    expect(vectors).toEqual(texts.map((t) => [0, 1, 2, 3].map((i) => t.length + i)));
    const requests = service.seen.splice(0);
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({
      url: "/v1/embeddings",
      authorization: "Bearer sk-test",
      body: {
        model: "stand-in-embed",
        dimensions: 4,
        encoding_format: "float",
        input: ["a", "bb"],
      },
    });
    expect(requests[1]?.body.input).toEqual(["ccc\nnewline kept", "dddd"]);
    expect(await embeddings.embedQuery("hello")).toEqual([5, 6, 7, 8]);
    expect(service.seen.splice(0)[0]?.body.input).toBe("hello");
  });

  it("accepts a base URL given as the full /embeddings endpoint, and no key", async () => {
    const embeddings = createOpenAIEmbeddings({
      baseUrl: `${service.baseUrl}/embeddings/`,
      model: "stand-in-embed",
      dimensions: 8,
      sendDimensions: false,
    });
    expect(await embeddings.embedQuery("xy")).toHaveLength(8);
    const [request] = service.seen.splice(0);
    expect(request?.url).toBe("/v1/embeddings");
    expect(request?.body.dimensions).toBeUndefined();
  });

  it("throws EmbeddingDimensionError when the service returns another vector length", async () => {
    // The stand-in's model is 8 wide and cannot widen to 16.
    const embeddings = createOpenAIEmbeddings({
      baseUrl: service.baseUrl,
      model: "stand-in-embed",
      dimensions: 16,
      maxRetries: 0,
    });
    const error = await embeddings.embedQuery("hello").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingDimensionError);
    expect(error).toMatchObject({ model: "stand-in-embed", expected: 16, actual: 8 });
    await expect(embeddings.embedDocuments(["a", "b"])).rejects.toThrow(
      "Embedding model stand-in-embed returned 8 dimensions, configured for 16",
    );
    service.seen.splice(0);
  });
});
