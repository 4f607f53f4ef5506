import { adapterDatanet, model, modelTransfer } from "ponder:schema";
import { modelRegistryAbi } from "@tributary/contracts/abis";
import { zeroAddress } from "viem";
import { indexContract } from "./lib/log-event.ts";
import { created, eventColumns, eventId, touched } from "./lib/meta.ts";
import { roleHandlers, setParam } from "./lib/roles.ts";

indexContract("ModelRegistry", modelRegistryAbi, {
  ...roleHandlers("ModelRegistry"),
  BaseModelRegistered: async ({ event, context }) => {
    const { id, owner, contentHash, name, uri } = event.args;
    await context.db.insert(model).values({
      id,
      kind: "BaseModel",
      owner,
      registrant: owner,
      name,
      contentHash,
      uri,
      status: "Active",
      version: 1,
      transferCount: 0,
      ...created(event),
    });
  },
  AdapterRegistered: async ({ event, context }) => {
    const { id, baseModelId, owner, params } = event.args;
    const previous =
      params.supersedes === 0n ? null : await context.db.find(model, { id: params.supersedes });
    await context.db.insert(model).values({
      id,
      kind: "Adapter",
      owner,
      registrant: owner,
      name: params.name,
      contentHash: params.contentHash,
      uri: params.uri,
      status: "Active",
      baseModelId,
      rank: params.rank,
      pricePerCall: params.pricePerCall,
      pricePer1kTokens: params.pricePer1kTokens,
      datanetIds: [...params.datanetIds],
      trainingManifestHash: params.trainingManifestHash,
      supersedes: params.supersedes === 0n ? null : params.supersedes,
      version: previous ? previous.version + 1 : 1,
      transferCount: 0,
      ...created(event),
    });
    for (const datanetId of params.datanetIds) {
      await context.db
        .insert(adapterDatanet)
        .values({ adapterId: id, datanetId, ...eventColumns(event) });
    }
  },
  AdapterSuperseded: async ({ event, context }) => {
    await context.db
      .update(model, { id: event.args.oldId })
      .set({ supersededBy: event.args.newId, ...touched(event) });
  },
  PricesUpdated: async ({ event, context }) => {
    const { id, pricePerCall, pricePer1kTokens } = event.args;
    await context.db
      .update(model, { id })
      .set({ pricePerCall, pricePer1kTokens, ...touched(event) });
  },
  URIUpdated: async ({ event, context }) => {
    await context.db
      .update(model, { id: event.args.id })
      .set({ uri: event.args.uri, ...touched(event) });
  },
  ModelDeprecated: async ({ event, context }) => {
    await context.db
      .update(model, { id: event.args.id })
      .set({ status: "Deprecated", ...touched(event) });
  },
  // ERC-721: the mint precedes the registration event; later transfers move ownership.
  Transfer: async ({ event, context }) => {
    const { from, to, tokenId } = event.args;
    await context.db
      .insert(modelTransfer)
      .values({ id: eventId(event), modelId: tokenId, from, to, ...eventColumns(event) });
    if (from === zeroAddress) return;
    await context.db
      .update(model, { id: tokenId })
      .set((row) => ({ owner: to, transferCount: row.transferCount + 1, ...touched(event) }));
  },
  DatanetRegistryUpdated: async ({ event, context }) => {
    await setParam(context, event, "ModelRegistry", "datanetRegistry", event.args.newRegistry);
  },
});
