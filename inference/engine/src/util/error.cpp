#include "util/error.h"

namespace tributary {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidFrame: return "invalid_frame";
    case ErrorCode::kInvalidRequest: return "invalid_request";
    case ErrorCode::kUnknownOp: return "unknown_op";
    case ErrorCode::kInvalidJson: return "invalid_json";
    case ErrorCode::kInvalidSafetensors: return "invalid_safetensors";
    case ErrorCode::kInvalidConfig: return "invalid_config";
    case ErrorCode::kUnknownArchitecture: return "unknown_architecture";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kShapeMismatch: return "shape_mismatch";
    case ErrorCode::kRankMismatch: return "rank_mismatch";
    case ErrorCode::kAdapterRankTooLarge: return "adapter_rank_too_large";
    case ErrorCode::kNonFiniteWeight: return "non_finite_weight";
    case ErrorCode::kUnknownAdapter: return "unknown_adapter";
    case ErrorCode::kAdapterHashMismatch: return "adapter_hash_mismatch";
    case ErrorCode::kModelNotLoaded: return "model_not_loaded";
    case ErrorCode::kContextTooLong: return "context_too_long";
    case ErrorCode::kDuplicateRequest: return "duplicate_request";
    case ErrorCode::kUnknownRequest: return "unknown_request";
    case ErrorCode::kTrainingDiverged: return "training_diverged";
    case ErrorCode::kInvalidDataset: return "invalid_dataset";
    case ErrorCode::kEmptyDataset: return "empty_dataset";
    case ErrorCode::kAdapterPoolFull: return "adapter_pool_full";
    case ErrorCode::kAdapterCacheFull: return "adapter_cache_full";
    case ErrorCode::kAdapterInUse: return "adapter_in_use";
    case ErrorCode::kKvCacheFull: return "kv_cache_full";
    case ErrorCode::kIo: return "io_error";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kEngineFault: return "engine_fault";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

bool isRetryable(ErrorCode code) {
  switch (code) {
    case ErrorCode::kAdapterPoolFull:
    case ErrorCode::kAdapterCacheFull:
    case ErrorCode::kAdapterInUse:
    case ErrorCode::kKvCacheFull:
    case ErrorCode::kIo:
    case ErrorCode::kBusy:
    case ErrorCode::kEngineFault:  // on another engine, or this one once restarted
      return true;
    default:
      return false;
  }
}

}  // namespace tributary
