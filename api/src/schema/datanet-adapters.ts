// A Datanet's adapters, through the indexer's adapter ↔ Datanet links: the links of every
// Datanet in the request are read in one query (`childRows`), and their adapters through the
// Model loader, so a list of Datanets with their adapters costs two queries, not one per Datanet
// (the adapters' own `datanetIds` array column cannot be batched by parent).
import * as t from "@tributary/indexer/schema";
import type { Context } from "../context.ts";
import { type ConnectionArgs, paginate, sortBy } from "./keyset.ts";
import { childRows } from "./nested.ts";
import { ModelRef } from "./refs.ts";

export function datanetAdapters(ctx: Context, args: ConnectionArgs, datanetId: bigint) {
  return paginate(args, sortBy("ASC", t.adapterDatanet.adapterId), async (page) => {
    const links = await childRows(
      ctx,
      t.adapterDatanet,
      { column: t.adapterDatanet.datanetId, key: datanetId },
      page.where,
      page.orderBy,
      page.limit,
    );
    const adapters = await ModelRef.getDataloader(ctx).loadMany(
      links.map((link) => link.adapterId.toString()),
    );
    return links.map((link, i) => {
      const adapter = adapters[i];
      if (adapter instanceof Error || adapter === undefined) throw adapter;
      // The link's key travels with the row: the cursor is made of it.
      return { ...adapter, adapterId: link.adapterId };
    });
  });
}
