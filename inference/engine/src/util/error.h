// Typed engine errors. Callers (the protocol layer, the pool) branch on the code, never on the
// message; the code also says whether retrying the same request later can help.
#pragma once

#include <stdexcept>
#include <string>

namespace tributary {

enum class ErrorCode {
  // The request or file is wrong: retrying the same thing cannot help.
  kInvalidFrame,
  kInvalidRequest,
  kUnknownOp,
  kInvalidJson,
  kInvalidSafetensors,
  kInvalidConfig,
  kUnknownArchitecture,
  kUnsupported,
  kShapeMismatch,
  kRankMismatch,
  kAdapterRankTooLarge,  // above the largest rank the backend holds (max_lora_rank)
  kNonFiniteWeight,
  kUnknownAdapter,
  kAdapterHashMismatch,
  kModelNotLoaded,
  kContextTooLong,
  kDuplicateRequest,
  kUnknownRequest,
  kTrainingDiverged,  // a training step's loss or gradient is not finite: the run stops
  kInvalidDataset,    // a training data set's line is not a valid example for the model
  kEmptyDataset,      // a training data set holds no example
  // Capacity or environment: the same request may succeed later.
  kAdapterPoolFull,
  kAdapterCacheFull,
  kAdapterInUse,
  kKvCacheFull,
  kIo,
  kBusy,
  kEngineFault,  // the device faulted: this engine serves nothing more until restarted
  // A bug in the engine.
  kInternal,
};

const char* errorCodeName(ErrorCode code);
bool isRetryable(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

[[noreturn]] inline void fail(ErrorCode code, const std::string& message) { throw Error(code, message); }

// An error that concerns the requests using one adapter (say, a device pool that cannot hold
// it): the engine fails those requests alone and keeps serving the others.
class AdapterError : public Error {
 public:
  AdapterError(ErrorCode code, std::string adapterId, const std::string& message)
      : Error(code, message), adapterId_(std::move(adapterId)) {}
  const std::string& adapterId() const { return adapterId_; }

 private:
  std::string adapterId_;
};

}  // namespace tributary
