// For the verify-root tests: the API's epoch-file route on its own server, and what a dishonest
// settler would record in place of a built epoch (a rewritten file with the root, total and data
// hash recomputed from it, so that only verify-root's checks of its receipts can give it away).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  accumulate,
  type EpochFile,
  encodeEpochFile,
  epochFileHash,
  receiptDigest,
  receiptsTree,
  settlementTree,
  splitReceipt,
  totalOf,
} from "@tributary/agents";
import { eq } from "drizzle-orm";
import type { Hex } from "viem";
import type { AppDb } from "../db/index.ts";
import { settlementEpoch, settlementFile } from "../db/schema.ts";
import { previousTotals } from "./build.ts";
import { epochFileUri, type SettlementDeps } from "./deps.ts";
import { serveEpochFile } from "./routes.ts";
import { trainingAttributionOf } from "./training-attribution.ts";

/** `GET /epochs/<sha256>.json` from `db`, as server.ts mounts it, on a free loopback port. */
export async function serveEpochFiles(db: AppDb): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = req.url ?? "";
    if (url.startsWith("/epochs/") && req.method === "GET")
      return void serveEpochFile(db, url.slice("/epochs/".length), res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Records `forged` as epoch `epoch`'s file, with the root, total and data hash it implies. */
export async function storeForgedEpoch(
  deps: SettlementDeps,
  epoch: bigint,
  forged: EpochFile,
): Promise<void> {
  const training = await trainingAttributionOf(deps.db, forged.receipts);
  const splits = forged.receipts.map((r) =>
    splitReceipt(
      { ...r.message, ...r.lists, protocol: deps.protocolAccount, operator: r.operator },
      training,
    ),
  );
  const cumulative = accumulate(await previousTotals(deps.db, epoch), splits);
  const body = encodeEpochFile(forged);
  const hash = epochFileHash(body);
  await deps.db.insert(settlementFile).values({ hash, epoch, body });
  await deps.db
    .update(settlementEpoch)
    .set({
      root: settlementTree(cumulative).root,
      totalCumulative: totalOf(cumulative).toString(),
      dataHash: receiptsTree(forged.receipts.map((r) => receiptDigest(forged, r))).root as Hex,
      fileHash: hash,
      dataUri: epochFileUri(deps.publicUrl, hash),
    })
    .where(eq(settlementEpoch.epoch, epoch));
}
