import { describe, expect, it } from "vitest";
import {
  createDfSketch,
  createEmbeddingProvider,
  EmbeddingConfigError,
  embeddingConfigFromEnv,
  HashingEmbeddings,
} from "./index.ts";

describe("embedding provider", () => {
  it("defaults to hashing when no URL is configured", () => {
    expect(embeddingConfigFromEnv({})).toEqual({ kind: "hashing" });
    expect(embeddingConfigFromEnv({ TRIBUTARY_EMBEDDINGS_URL: " " })).toEqual({ kind: "hashing" });
    expect(embeddingConfigFromEnv({ TRIBUTARY_EMBEDDINGS_DIMENSIONS: "256" })).toEqual({
      kind: "hashing",
      dimensions: 256,
    });
  });

  it("reads an OpenAI-compatible endpoint, requiring model and dimensions", () => {
    const env = {
      TRIBUTARY_EMBEDDINGS_URL: "http://embed.internal:8080/v1",
      TRIBUTARY_EMBEDDINGS_MODEL: "bge-m3",
      TRIBUTARY_EMBEDDINGS_DIMENSIONS: "1024",
    };
    expect(embeddingConfigFromEnv(env)).toEqual({
      kind: "openai",
      baseUrl: "http://embed.internal:8080/v1",
      model: "bge-m3",
      dimensions: 1024,
    });
    expect(embeddingConfigFromEnv({ ...env, TRIBUTARY_EMBEDDINGS_API_KEY: "k" })).toMatchObject({
      apiKey: "k",
    });
    expect(() => embeddingConfigFromEnv({ ...env, TRIBUTARY_EMBEDDINGS_MODEL: "" })).toThrow(
      EmbeddingConfigError,
    );
    expect(() =>
      embeddingConfigFromEnv({ ...env, TRIBUTARY_EMBEDDINGS_DIMENSIONS: undefined }),
    ).toThrow(/TRIBUTARY_EMBEDDINGS_DIMENSIONS/);
    expect(() =>
      embeddingConfigFromEnv({ ...env, TRIBUTARY_EMBEDDINGS_DIMENSIONS: "12.5" }),
    ).toThrow(/positive integer/);
  });

  it("builds the hashing provider with the shared sketch", async () => {
    const dfSketch = createDfSketch(1024);
    const provider = createEmbeddingProvider({ kind: "hashing", dimensions: 32 }, { dfSketch });
    expect(provider.provider).toBe("hashing-v2");
    expect(provider.dimensions).toBe(32);
    expect(provider.embeddings).toBeInstanceOf(HashingEmbeddings);
    expect((provider.embeddings as HashingEmbeddings).dfSketch).toBe(dfSketch);
    const [vector] = await provider.embedDocuments(["hello world"]);
    expect(vector).toHaveLength(32);
    expect(await provider.embedQuery("hello")).toHaveLength(32);
  });

  it("names the OpenAI provider after its model", () => {
    const provider = createEmbeddingProvider({
      kind: "openai",
      baseUrl: "http://127.0.0.1:1/v1",
      model: "text-embedding-3-small",
      dimensions: 512,
    });
    expect(provider.provider).toBe("openai:text-embedding-3-small");
    expect(provider.dimensions).toBe(512);
  });
});
