import { eq, sql } from "drizzle-orm";
import { type Address, getAddress } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppDatabase, createAppDatabase } from "../db/index.ts";
import { pendingUpload } from "../db/schema.ts";
import { ContentRefusedError } from "../errors.ts";
import { createFakeChain, type FakeChain } from "./fake-chain.ts";
import { acceptUpload, PENDING_LIMITS, type PendingLimits, sha256Hex } from "./upload.ts";

/** A fresh account per index (Sybils cost nothing). */
const account = (n: number) =>
  privateKeyToAddress(`0x${(n + 1).toString(16).padStart(64, "0")}`) as Address;

describe("pending uploads", () => {
  let app: AppDatabase;
  let chain: FakeChain;
  /** Contribution ids the indexer shows: 1..NEWEST; pending uploads may wait for the next 256. */
  const NEWEST = 10n;

  const upload = (
    uploader: Address,
    contributionId: bigint,
    content: string,
    pendingLimits?: PendingLimits,
  ) =>
    acceptUpload(
      { db: app.db, reader: chain.reader, ...(pendingLimits ? { pendingLimits } : {}) },
      { uploader, contributionId, content, mediaType: "text/plain" },
    );
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: unknown) => {
        if (!(error instanceof ContentRefusedError)) throw error;
        return error.message;
      },
    );
  const clear = () => app.db.delete(pendingUpload);

  beforeAll(async () => {
    app = await createAppDatabase({});
    chain = await createFakeChain(app.db);
    for (let id = 1n; id <= NEWEST; id++)
      await chain.register({
        id,
        datanetId: 1n,
        contributor: getAddress(account(0)),
        contentHash: sha256Hex(Buffer.from(`registered ${id}`)) as never,
      });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  it("small uploads from many fresh accounts do not fill the global cap", async () => {
    await clear();
    // 16 accounts × 16 tiny uploads: the old global cap (256 uploads) was full after them.
    for (let n = 1; n <= 16; n++)
      for (let j = 0; j < 16; j++)
        expect((await upload(account(n), NEWEST + 200n + BigInt(j), `squat ${n}.${j}`)).kind).toBe(
          "pending",
        );
    const honest = await upload(account(100), NEWEST + 1n, "The honest early upload.");
    expect(honest.kind).toBe("pending");
  }, 60_000);

  it("caps the bytes one uploader holds, and says that is the limit hit", async () => {
    await clear();
    const limits = { ...PENDING_LIMITS, perUploaderBytes: 10_000, minCharge: 1000 };
    const blob = (k: number) => `${k} ${"x".repeat(3000)}`;
    for (let k = 0; k < 3; k++)
      expect((await upload(account(1), NEWEST + 1n + BigInt(k), blob(k), limits)).kind).toBe(
        "pending",
      );
    const message = await refusal(upload(account(1), NEWEST + 9n, blob(9), limits));
    expect(message).toMatch(/over the 10000 bytes one uploader may hold/);
    // Replacing one of its own pending uploads is not counted twice.
    expect((await upload(account(1), NEWEST + 1n, blob(7), limits)).kind).toBe("pending");
    // Someone else is not held back by it.
    expect((await upload(account(2), NEWEST + 9n, blob(9), limits)).kind).toBe("pending");
  });

  it("caps the bytes all uploaders hold together, and says that is the limit hit", async () => {
    await clear();
    const limits = { ...PENDING_LIMITS, totalBytes: 20_000, minCharge: 1000 };
    for (let n = 1; n <= 6; n++)
      expect((await upload(account(n), NEWEST + 5n, `${n} ${"y".repeat(3000)}`, limits)).kind).toBe(
        "pending",
      );
    const message = await refusal(upload(account(7), NEWEST + 5n, "z".repeat(3000), limits));
    expect(message).toMatch(/across all uploaders, and all of them together may hold 20000 bytes/);
    const [stored] = (
      (await app.db.execute(sql`SELECT coalesce(sum(c.byte_length), 0)::int AS n
        FROM app.pending_upload p JOIN app.content c ON c.hash = p.content_hash`)) as unknown as {
        rows: { n: number }[];
      }
    ).rows;
    expect(stored?.n).toBeLessThanOrEqual(20_000);
  });

  it("caps how many uploads one uploader has waiting, and says that is the limit hit", async () => {
    await clear();
    for (let j = 0; j < PENDING_LIMITS.perUploader; j++)
      await upload(account(3), NEWEST + 1n + BigInt(j), `count ${j}`);
    const message = await refusal(upload(account(3), NEWEST + 100n, "one too many"));
    expect(message).toMatch(/the most one uploader may have \(16\)/);
    // A replacement of one of the 16 is still allowed.
    expect((await upload(account(3), NEWEST + 1n, "count 0, again")).kind).toBe("pending");
  });

  it("a re-upload does not reset the 24 h expiry", async () => {
    await clear();
    const uploader = account(4);
    await upload(uploader, NEWEST + 2n, "first version");
    const early = new Date(Date.now() - 23 * 3600_000);
    await app.db.update(pendingUpload).set({ createdAt: early });
    await upload(uploader, NEWEST + 2n, "second version");
    await upload(uploader, NEWEST + 2n, "first version");
    const [row] = await app.db
      .select()
      .from(pendingUpload)
      .where(eq(pendingUpload.uploadedBy, uploader));
    expect(row?.createdAt.getTime()).toBe(early.getTime());
  });
});
