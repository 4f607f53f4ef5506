import { describe, expect, it } from "vitest";
import { createAppDatabase } from "../db/index.ts";
import { appCursorStore } from "./cursor.ts";

describe("feeder cursor store", () => {
  it("saves and loads a cursor per key; a later save replaces it", async () => {
    const app = await createAppDatabase({});
    try {
      const a = appCursorStore(app.db, "31337:0xabc:1:shared");
      expect(await a.load()).toBeNull();
      await a.save({ blockNumber: 12n, logIndex: 3, statuses: { "root:1": "Proposed" } });
      await a.save({ blockNumber: 15n, logIndex: 0, statuses: { "root:1": "Live" } });
      expect(await a.load()).toEqual({
        blockNumber: 15n,
        logIndex: 0,
        statuses: { "root:1": "Live" },
      });
      expect(await appCursorStore(app.db, "other").load()).toBeNull();
    } finally {
      await app.close();
    }
  });
});
