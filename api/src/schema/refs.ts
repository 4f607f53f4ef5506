// Loadable refs for every object with a global ID, declared before their fields so that domain
// files can point at each other. Each `load` batches one request's lookups into one query
// (the dataloader plugin keeps one DataLoader per ref per request context).
import * as t from "@tributary/indexer/schema";
import type { Address } from "viem";
import { builder } from "../builder.ts";
import { accountsByAddress } from "./account-rows.ts";
import { loadByKey, parseId } from "./common.ts";
import type {
  AccountRow,
  AgentRow,
  ContributionRow,
  DatanetRow,
  DisputeRow,
  ModelRow,
  ProposalRow,
  RootRow,
  UnbondingRow,
} from "./rows.ts";

/** Descriptions of the node types (loadable refs take them at `implement`). */
export const NODE_DESCRIPTIONS = {
  ModelRef: "A registered base model or LoRA adapter (an ERC-721 asset).",
  DatanetRef:
    "A curated data network whose validated contributions train adapters and ground answers.",
  ContributionRef:
    "Content registered to a Datanet by its hash, with its bond and validation state.",
  ProposalRef:
    "A proposal in the model market: a funding goal for an adapter someone should build.",
  AgentRef: "A staked agent: an operator, the hash of its spec, and delegated stake.",
  DisputeRef: "A bonded dispute against an agent, resolved by the arbiter within its window.",
  UnbondingRef: "Stake leaving an agent: slashable until it is released, then withdrawable.",
  SettlementRootRef:
    "An epoch's Merkle root of cumulative earnings, live after its challenge delay.",
  AccountRef:
    "Any address, with what it earned, claimed, staked and was slashed (zeros when never seen).",
} as const;

const byId = <Row extends { id: bigint }>(entity: string, table: unknown, column: unknown) =>
  loadByKey<Row, bigint>(entity, table as never, column as never, (row) => row.id, parseId);

export const ModelRef = builder.loadableNodeRef("Model", {
  id: { resolve: (row: ModelRow) => row.id.toString() },
  load: byId<ModelRow>("Model", t.model, t.model.id),
});

export const DatanetRef = builder.loadableNodeRef("Datanet", {
  id: { resolve: (row: DatanetRow) => row.id.toString() },
  load: byId<DatanetRow>("Datanet", t.datanet, t.datanet.id),
});

export const ContributionRef = builder.loadableNodeRef("Contribution", {
  id: { resolve: (row: ContributionRow) => row.id.toString() },
  load: byId<ContributionRow>("Contribution", t.contribution, t.contribution.id),
});

export const ProposalRef = builder.loadableNodeRef("Proposal", {
  id: { resolve: (row: ProposalRow) => row.id.toString() },
  load: byId<ProposalRow>("Proposal", t.marketProposal, t.marketProposal.id),
});

export const AgentRef = builder.loadableNodeRef("Agent", {
  id: { resolve: (row: AgentRow) => row.id.toString() },
  load: byId<AgentRow>("Agent", t.agent, t.agent.id),
});

export const DisputeRef = builder.loadableNodeRef("Dispute", {
  id: { resolve: (row: DisputeRow) => row.id.toString() },
  load: byId<DisputeRow>("Dispute", t.dispute, t.dispute.id),
});

export const UnbondingRef = builder.loadableNodeRef("Unbonding", {
  id: { resolve: (row: UnbondingRow) => row.id.toString() },
  load: byId<UnbondingRow>("Unbonding", t.unbonding, t.unbonding.id),
});

export const SettlementRootRef = builder.loadableNodeRef("SettlementRoot", {
  id: { resolve: (row: RootRow) => row.epoch.toString() },
  load: loadByKey<RootRow, bigint>(
    "SettlementRoot",
    t.settlementRoot as never,
    t.settlementRoot.epoch as never,
    (r) => r.epoch,
    parseId,
  ),
});

export const AccountRef = builder.loadableNodeRef("Account", {
  id: { resolve: (row: AccountRow) => row.address },
  load: (keys: readonly string[], ctx) => accountsByAddress(ctx, keys as Address[]),
});
