// config.json of a Llama-family decoder (Llama 2/3, Mistral, Qwen2), validated once at load.
#pragma once

#include <string>

#include "util/json.h"

namespace tributary {

enum class Architecture { kLlama, kMistral, kQwen2 };

const char* architectureName(Architecture arch);  // the HF class name

struct RopeScaling {
  enum class Type { kNone, kLinear, kLlama3 } type = Type::kNone;
  double factor = 1.0;
  double lowFreqFactor = 1.0;
  double highFreqFactor = 4.0;
  int64_t originalMaxPositionEmbeddings = 8192;
};

struct ModelConfig {
  Architecture architecture = Architecture::kLlama;
  int vocabSize = 0;
  int hiddenSize = 0;
  int intermediateSize = 0;
  int numLayers = 0;
  int numHeads = 0;
  int numKvHeads = 0;
  int headDim = 0;
  int maxPositionEmbeddings = 0;
  double rmsNormEps = 1e-6;
  double ropeTheta = 10000.0;
  RopeScaling ropeScaling;
  bool tieWordEmbeddings = false;
  bool qkvBias = false;  // Qwen2 always; Llama with attention_bias
  bool oBias = false;    // Llama with attention_bias
  int slidingWindow = 0; // 0: full attention

  int qSize() const { return numHeads * headDim; }
  int kvSize() const { return numKvHeads * headDim; }
};

ModelConfig parseModelConfig(const Json& config);              // throws typed Error
ModelConfig loadModelConfig(const std::string& directory);     // reads directory/config.json
Json modelConfigToJson(const ModelConfig& config);             // HF-compatible config.json

}  // namespace tributary
