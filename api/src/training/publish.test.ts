import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../errors.ts";
import {
  adapterContentHash,
  adapterFilesUri,
  serveAdapterFile,
  storeAdapterFiles,
} from "./adapter-files.ts";
import { TrainingJobNotSucceededError } from "./errors.ts";
import { checkListing, checkPublishable } from "./publish.ts";
import type { TrainingJobRow } from "./store.ts";

const job = (status: string, extra: Partial<TrainingJobRow> = {}) =>
  ({
    status,
    errorCode: null,
    checkpointPath: "/jobs/j/output/checkpoint-4",
    ...extra,
  }) as TrainingJobRow;

describe("which jobs can be published", () => {
  it("only a SUCCEEDED job with its checkpoint", () => {
    expect(() => checkPublishable(job("SUCCEEDED"))).not.toThrow();
    for (const status of ["QUEUED", "RUNNING", "CANCELLED", "FAILED"])
      expect(() => checkPublishable(job(status)), status).toThrow(TrainingJobNotSucceededError);
    expect(() => checkPublishable(job("SUCCEEDED", { checkpointPath: null }))).toThrow(
      TrainingJobNotSucceededError,
    );
  });

  it("names a diverged run's code", () => {
    const diverged = job("FAILED", { errorCode: "training_diverged" });
    expect(() => checkPublishable(diverged)).toThrow(
      expect.objectContaining({ status: "FAILED", errorCode: "training_diverged" }),
    );
  });
});

describe("the listing's range", () => {
  const ok = { name: "notes-lora", pricePerCall: 10n, pricePer1kTokens: 0n };
  const fieldOf = (listing: typeof ok, max = 100n) => {
    try {
      checkListing(listing, max);
      return null;
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      return (error as InvalidInputError).field;
    }
  };

  it("takes a name of 1–100 characters and prices up to the bound", () => {
    expect(fieldOf(ok)).toBeNull();
    expect(fieldOf({ ...ok, name: "x".repeat(100), pricePerCall: 100n })).toBeNull();
    expect(fieldOf({ ...ok, name: "Notes · LoRA v2" })).toBeNull();
  });

  it("refuses names the pool could not tell apart, and prices past the bound", () => {
    for (const name of ["", "x".repeat(101), " padded", "padded ", "tab\there", "f".repeat(64)])
      expect(fieldOf({ ...ok, name }), JSON.stringify(name)).toBe("name");
    expect(fieldOf({ ...ok, pricePerCall: 101n })).toBe("pricePerCall");
    expect(fieldOf({ ...ok, pricePer1kTokens: 101n })).toBe("pricePer1kTokens");
  });
});

describe("published adapter files", () => {
  let dir: string;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "adapter-files-"));
    server = createServer((req, res) => {
      void serveAdapterFile(
        path.join(dir, "store"),
        (req.url ?? "").slice("/adapters/".length),
        res,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const checkpoint = (name: string, weights: string) => {
    const at = path.join(dir, name);
    mkdirSync(at, { recursive: true });
    writeFileSync(path.join(at, "adapter_config.json"), '{"r":4}');
    writeFileSync(path.join(at, "adapter_model.safetensors"), weights);
    writeFileSync(path.join(at, "optimizer.bin"), "not published");
    return at;
  };

  it("stores a checkpoint under its sha256 (idempotent) and serves exactly those bytes", async () => {
    const at = checkpoint("ckpt", "weights");
    const hash = await adapterContentHash(at);
    await storeAdapterFiles(at, path.join(dir, "store"), hash);
    await storeAdapterFiles(at, path.join(dir, "store"), hash);
    const uri = adapterFilesUri(`${base}/`, hash);
    expect(uri).toBe(`${base}/adapters/${hash.slice(2)}/`);
    const weights = await fetch(new URL("adapter_model.safetensors", uri));
    expect(weights.status).toBe(200);
    expect(weights.headers.get("cache-control")).toContain("immutable");
    expect(await weights.text()).toBe("weights");
    const config = await fetch(new URL("adapter_config.json", uri));
    expect(await config.text()).toBe(readFileSync(path.join(at, "adapter_config.json"), "utf8"));
    // Only the two adapter files, only under a content hash, only published ones.
    expect((await fetch(new URL("optimizer.bin", uri))).status).toBe(400);
    expect((await fetch(`${base}/adapters/${"0".repeat(64)}/adapter_config.json`)).status).toBe(
      404,
    );
  });

  it("refuses files that no longer hash to the registration's content hash", async () => {
    const at = checkpoint("changed", "before");
    const hash = await adapterContentHash(at);
    writeFileSync(path.join(at, "adapter_model.safetensors"), "after");
    await expect(storeAdapterFiles(at, path.join(dir, "store"), hash)).rejects.toThrow(/changed/);
    expect((await fetch(`${adapterFilesUri(base, hash)}adapter_config.json`)).status).toBe(404);
  });
});
