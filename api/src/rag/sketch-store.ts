import { eq, isNotNull } from "drizzle-orm";
import type { AppDb } from "../db/index.ts";
import { chunk, ragState } from "../db/schema.ts";
import {
  createDfSketch,
  type DfSketch,
  DfSketchFormatError,
  dfSketchFromBuffer,
} from "./embeddings/index.ts";

/** The `rag_state` key of the hashing embedder's document-frequency sketch. */
export const SKETCH_KEY = "hashing-df-sketch";

/**
 * The document-frequency sketch of every stored chunk text (what ingest observed and takedowns
 * did not forget): rebuilt when the saved one is of another feature version.
 */
export async function rebuildSketch(db: AppDb): Promise<DfSketch> {
  const sketch = createDfSketch();
  const batch = 500;
  for (let offset = 0; ; offset += batch) {
    const rows = await db
      .select({ text: chunk.text })
      .from(chunk)
      .where(isNotNull(chunk.text))
      .orderBy(chunk.contributionId, chunk.index)
      .limit(batch)
      .offset(offset);
    for (const row of rows) sketch.observe(row.text ?? "");
    if (rows.length < batch) return sketch;
  }
}

/** Saves the sketch under `SKETCH_KEY`. */
export async function saveSketch(db: AppDb, sketch: DfSketch): Promise<void> {
  const value = sketch.toBuffer();
  await db
    .insert(ragState)
    .values({ key: SKETCH_KEY, value })
    .onConflictDoUpdate({ target: ragState.key, set: { value, updatedAt: new Date() } });
}

/**
 * The saved sketch, or an empty one; one saved by an embedder of another feature version
 * (`DfSketchFormatError`) is rebuilt from the stored chunks and saved (`rebuilt: true`).
 */
export async function loadSketch(db: AppDb): Promise<{ sketch: DfSketch; rebuilt: boolean }> {
  const [saved] = await db.select().from(ragState).where(eq(ragState.key, SKETCH_KEY));
  if (!saved) return { sketch: createDfSketch(), rebuilt: false };
  try {
    return { sketch: dfSketchFromBuffer(saved.value), rebuilt: false };
  } catch (error) {
    if (!(error instanceof DfSketchFormatError)) throw error;
    const sketch = await rebuildSketch(db);
    await saveSketch(db, sketch);
    return { sketch, rebuilt: true };
  }
}
