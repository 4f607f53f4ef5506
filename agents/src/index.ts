export { actualPrice, maxPrice } from "./pricing.ts";
export { receiptDigestOf } from "./receipt/digest.ts";
export * from "./receipt/receipt.ts";
export { evidenceSigner } from "./receipt/signature.ts";
export type { InvocationContext } from "./runtime/graph.ts";
export { createInvocationGraph } from "./runtime/graph.ts";
export { PromptTooLongError } from "./runtime/nodes.ts";
export { buildPrompt, lastUserTurn } from "./runtime/prompt.ts";
export type { InvocationStateType } from "./runtime/state.ts";
export type * from "./runtime/types.ts";
export {
  accumulate,
  type Cumulative,
  type EarnerTotal,
  emptyCumulative,
  totalOf,
} from "./settlement/cumulative.ts";
export {
  EPOCH_FILE_FORMAT,
  type EpochFile,
  EpochFileError,
  type EpochReceipt,
  encodeEpochFile,
  epochFileHash,
  parseEpochFile,
  parseEpochReceipt,
} from "./settlement/epoch-file.ts";
export {
  type CheckedEpoch,
  checkEpochReceipts,
  type ReceiptProblem,
  receiptDigest,
  type SettledEpoch,
  type SettleOptions,
  settleEpochFile,
  splitEpochReceipts,
} from "./settlement/settle.ts";
export {
  EARNER,
  type HashedTree,
  LEAF_ENCODING,
  type LeafValue,
  leafHash,
  leavesOf,
  receiptsTree,
  STAKERS,
  settlementTree,
} from "./settlement/tree.ts";
export {
  checkSpecAgainstChain,
  type SpecChainView,
  type SpecModelRecord,
} from "./spec/check-chain.ts";
export {
  type AgentSpec,
  AgentSpecError,
  type AgentTool,
  agentSpecSchema,
  parseAgentSpec,
  type RetrievalMode,
  type SpecProblem,
  specHash,
} from "./spec/spec.ts";
export { apportion } from "./split/apportion.ts";
export {
  POLICIES,
  policy,
  policyHash,
  type SplitPolicy,
  UnknownPolicyError,
} from "./split/policy.ts";
export {
  NO_MANIFEST,
  type ReceiptSplit,
  type Share,
  type ShareRole,
  type SplitInput,
  splitReceipt,
  type TrainingAttribution,
} from "./split/split.ts";
export {
  checkVoucher,
  signVoucher,
  VOUCHER_TYPES,
  type Voucher,
  type VoucherProblem,
  voucherDomain,
} from "./voucher/voucher.ts";
