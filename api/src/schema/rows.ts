// The indexer rows behind the node types, in a module of their own so that the loaders
// (`account-rows.ts`) and the refs (`refs.ts`) both use them without importing each other.
import type * as t from "@tributary/indexer/schema";

export type ModelRow = typeof t.model.$inferSelect;
export type DatanetRow = typeof t.datanet.$inferSelect;
export type ContributionRow = typeof t.contribution.$inferSelect;
export type ProposalRow = typeof t.marketProposal.$inferSelect;
export type AgentRow = typeof t.agent.$inferSelect;
export type DisputeRow = typeof t.dispute.$inferSelect;
export type UnbondingRow = typeof t.unbonding.$inferSelect;
export type RootRow = typeof t.settlementRoot.$inferSelect;
export type AccountRow = typeof t.account.$inferSelect;
export type EscrowRow = typeof t.escrow.$inferSelect;
