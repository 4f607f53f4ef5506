// Training checkpoints. A checkpoint directory is a PEFT adapter the engine serves unchanged
// (adapter_config.json + adapter_model.safetensors, fp32, PEFT's tensor names; its adapter id is
// the hash of those two files only) plus, beside them, what a resumed run needs to continue
// bit-identically: optimizer.safetensors (AdamW's moments, fp32, named "<PEFT name>.exp_avg" /
// ".exp_avg_sq") and trainer_state.json (step, seed, LoRA spec, hyper-parameters).
#pragma once

#include <string>

#include "train/trainer.h"

namespace tributary::train {

// adapter_config.json as PEFT writes it for this spec (inference-ready: dropout 0, no bias).
Json peftAdapterConfig(const LoraSpec& spec, const std::string& baseModelName);

// Writes the checkpoint into a sibling temporary directory and renames it into place, so a
// crash mid-write leaves the previous checkpoint intact. Returns the adapter id.
std::string saveCheckpoint(const std::string& directory, const Trainer<float>& trainer,
                           const std::string& baseModelName);

// Restores parameters (through the engine's own adapter loader), moments and step. The run's
// LoRA spec must be the checkpoint's (kInvalidRequest otherwise).
void loadCheckpoint(const std::string& directory, Trainer<float>& trainer);

}  // namespace tributary::train
