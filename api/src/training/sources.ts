// What a job may read, from the indexer (Datanets, access, contribution history) and the app
// store (the contributions' content, checked against the hash the chain registered).
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import * as t from "@tributary/indexer/schema";
import { and, eq, inArray, lte } from "drizzle-orm";
import type { Address } from "viem";
import type { AppDb } from "../db/index.ts";
import { content, document } from "../db/schema.ts";
import { NotFoundError } from "../errors.ts";
import type { DatanetAccessRule } from "../rag/access.ts";
import type { ReaderDb } from "../reader/index.ts";
import type { ContributionText } from "./examples.ts";
import { acceptedAt } from "./selection.ts";

/** Rows per `IN (…)` list: keeps each query of a large Datanet within the endpoint's limits. */
const BATCH = 500;

async function inBatches<T, R>(items: readonly T[], read: (batch: T[]) => Promise<R[]>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += BATCH)
    out.push(...(await read(items.slice(i, i + BATCH))));
  return out;
}

/**
 * Every Datanet must exist and be one `builder` may train on: Open, or Restricted with the
 * builder approved by its curator (the registry's `hasAccess`, which the access rule reads).
 */
export async function checkDatanets(
  reader: ReaderDb,
  access: DatanetAccessRule,
  builder: Address,
  datanetIds: readonly bigint[],
): Promise<void> {
  const rows = await reader
    .select({ id: t.datanet.id })
    .from(t.datanet)
    .where(inArray(t.datanet.id, [...datanetIds]));
  const known = new Set(rows.map((r) => r.id));
  for (const id of datanetIds) {
    if (!known.has(id)) throw new NotFoundError("Datanet", id.toString());
    if (!(await access.canRead(builder, id)))
      throw new ForbiddenError(
        `Datanet ${id} is restricted: request access (prepareRequestDatanetAccess) and wait for its curator's approval`,
      );
  }
}

export interface SelectedContribution {
  id: bigint;
  datanetId: bigint;
  contributor: string;
  contentHash: string;
}

/** The Datanets' contributions whose status at `block` is Accepted. */
export async function acceptedContributions(
  reader: ReaderDb,
  datanetIds: readonly bigint[],
  block: bigint,
): Promise<SelectedContribution[]> {
  const registered = await reader
    .select({
      id: t.contribution.id,
      datanetId: t.contribution.datanetId,
      contributor: t.contribution.contributor,
      contentHash: t.contribution.contentHash,
    })
    .from(t.contribution)
    .where(
      and(
        inArray(t.contribution.datanetId, [...datanetIds]),
        lte(t.contribution.createdBlock, block),
      ),
    );
  const changes = await inBatches(registered, (batch) =>
    reader
      .select({
        contributionId: t.contributionStatusChange.contributionId,
        status: t.contributionStatusChange.status,
        blockNumber: t.contributionStatusChange.blockNumber,
        logIndex: t.contributionStatusChange.logIndex,
      })
      .from(t.contributionStatusChange)
      .where(
        and(
          inArray(
            t.contributionStatusChange.contributionId,
            batch.map((c) => c.id),
          ),
          lte(t.contributionStatusChange.blockNumber, block),
        ),
      ),
  );
  const accepted = acceptedAt(changes, block);
  return registered.filter((c) => accepted.has(c.id));
}

/**
 * The stored text of each contribution whose document holds the content the chain registered;
 * a contribution taken down since the data block has none any more and is left out.
 */
export async function storedContents(
  app: AppDb,
  contributions: readonly SelectedContribution[],
): Promise<ContributionText[]> {
  const rows = await inBatches(contributions, (batch) =>
    app
      .select({
        id: document.contributionId,
        datanetId: document.datanetId,
        mediaType: document.mediaType,
        hash: document.contentHash,
        text: content.text,
      })
      .from(document)
      .innerJoin(content, eq(content.hash, document.contentHash))
      .where(
        inArray(
          document.contributionId,
          batch.map((c) => c.id),
        ),
      ),
  );
  const registered = new Map(contributions.map((c) => [c.id, c]));
  return rows.flatMap(({ id, datanetId, mediaType, hash, text }) => {
    const chain = registered.get(id);
    if (chain?.contentHash.toLowerCase() !== hash.toLowerCase()) return [];
    return [{ id, datanetId, contributor: chain.contributor.toLowerCase(), mediaType, text }];
  });
}
