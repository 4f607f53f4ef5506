// `GET /training-manifests/<keccak256 hex>.json`: a Model Factory job's training manifest by
// the hash ModelRegistry records for its adapter, so anyone recomputing a settlement (verify-root)
// reads the attribution its training split used, and checks it: the manifest's RFC 8785
// canonical JSON hashes to the name.
import type { ServerResponse } from "node:http";
import { eq } from "drizzle-orm";
import type { AppDb } from "../db/index.ts";
import { trainingJob } from "../db/schema.ts";
import { serveContentAddressed } from "../http/content-addressed.ts";

export function serveTrainingManifest(db: AppDb, name: string, res: ServerResponse): Promise<void> {
  return serveContentAddressed(
    res,
    name,
    {
      expected: "Expected /training-manifests/<keccak256 hex>.json",
      notFound: "No such training manifest",
    },
    async (hex) => {
      const [row] = await db
        .select({ manifest: trainingJob.manifest })
        .from(trainingJob)
        .where(eq(trainingJob.manifestHash, `0x${hex}`))
        .limit(1);
      return row ? JSON.stringify(row.manifest) : null;
    },
  );
}
