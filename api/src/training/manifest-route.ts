// `GET /training-manifests/<keccak256 hex>.json`: a Model Factory job's training manifest by
// the hash ModelRegistry records for its adapter, so anyone recomputing a settlement (verify-root)
// reads the attribution its training split used, and checks it: the manifest's RFC 8785
// canonical JSON hashes to the name.
import type { ServerResponse } from "node:http";
import { eq } from "drizzle-orm";
import type { AppDb } from "../db/index.ts";
import { trainingJob } from "../db/schema.ts";

export async function serveTrainingManifest(
  db: AppDb,
  name: string,
  res: ServerResponse,
): Promise<void> {
  const reply = (status: number, body: string) => {
    res.writeHead(status, {
      "content-type": "application/json",
      "x-content-type-options": "nosniff",
      ...(status === 200 ? { "cache-control": "public, max-age=31536000, immutable" } : {}),
    });
    res.end(body);
  };
  const match = /^([0-9a-f]{64})\.json$/.exec(name);
  if (!match)
    return reply(
      400,
      JSON.stringify({
        errors: [{ message: "Expected /training-manifests/<keccak256 hex>.json" }],
      }),
    );
  const [row] = await db
    .select({ manifest: trainingJob.manifest })
    .from(trainingJob)
    .where(eq(trainingJob.manifestHash, `0x${match[1]}`))
    .limit(1);
  if (!row)
    return reply(404, JSON.stringify({ errors: [{ message: "No such training manifest" }] }));
  return reply(200, JSON.stringify(row.manifest));
}
