#include "format/model_config.h"

#include "format/mapped_file.h"
#include "util/error.h"

namespace tributary {

const char* architectureName(Architecture arch) {
  switch (arch) {
    case Architecture::kLlama: return "LlamaForCausalLM";
    case Architecture::kMistral: return "MistralForCausalLM";
    case Architecture::kQwen2: return "Qwen2ForCausalLM";
  }
  return "?";
}

namespace {

const char* modelTypeName(Architecture arch) {
  switch (arch) {
    case Architecture::kLlama: return "llama";
    case Architecture::kMistral: return "mistral";
    case Architecture::kQwen2: return "qwen2";
  }
  return "?";
}

[[noreturn]] void bad(const std::string& what) { fail(ErrorCode::kInvalidConfig, "config.json: " + what); }

int positiveInt(const Json& config, const char* key, int64_t maximum) {
  const Json* value = config.find(key);
  if (!value || value->isNull()) bad(std::string("missing \"") + key + "\"");
  if (!value->isInteger()) bad(std::string("\"") + key + "\" must be an integer");
  int64_t v = value->asInt();
  if (v <= 0 || v > maximum) bad(std::string("\"") + key + "\" = " + std::to_string(v) + " is out of range");
  return int(v);
}

RopeScaling parseRopeScaling(const Json* value) {
  RopeScaling scaling;
  if (!value || value->isNull()) return scaling;
  if (!value->isObject()) bad("\"rope_scaling\" must be an object or null");
  // Llama 3 configs name it "rope_type"; older configs "type".
  std::string type = jsonStringOr(*value, "rope_type", jsonStringOr(*value, "type", ""));
  scaling.factor = jsonNumberOr(*value, "factor", 1.0);
  if (!(scaling.factor >= 1.0)) bad("rope_scaling.factor must be >= 1");
  if (type == "default") {
    scaling.type = RopeScaling::Type::kNone;
  } else if (type == "linear") {
    scaling.type = RopeScaling::Type::kLinear;
  } else if (type == "llama3") {
    scaling.type = RopeScaling::Type::kLlama3;
    scaling.lowFreqFactor = jsonNumberOr(*value, "low_freq_factor", 1.0);
    scaling.highFreqFactor = jsonNumberOr(*value, "high_freq_factor", 4.0);
    scaling.originalMaxPositionEmbeddings = jsonIntOr(*value, "original_max_position_embeddings", 8192);
    if (!(scaling.lowFreqFactor > 0) || !(scaling.highFreqFactor > scaling.lowFreqFactor) ||
        scaling.originalMaxPositionEmbeddings <= 0) {
      bad("llama3 rope_scaling needs 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings > 0");
    }
  } else {
    fail(ErrorCode::kUnsupported, "config.json: rope_scaling type \"" + type + "\" is not supported (default, linear, llama3)");
  }
  return scaling;
}

}  // namespace

ModelConfig parseModelConfig(const Json& config) {
  if (!config.isObject()) bad("not a JSON object");
  ModelConfig out;
  const Json* architectures = config.find("architectures");
  if (!architectures || !architectures->isArray() || architectures->asArray().size() != 1 ||
      !architectures->asArray()[0].isString()) {
    bad("\"architectures\" must be an array of one class name");
  }
  const std::string& arch = architectures->asArray()[0].asString();
  if (arch == "LlamaForCausalLM") out.architecture = Architecture::kLlama;
  else if (arch == "MistralForCausalLM") out.architecture = Architecture::kMistral;
  else if (arch == "Qwen2ForCausalLM") out.architecture = Architecture::kQwen2;
  else fail(ErrorCode::kUnknownArchitecture, "config.json: unknown architecture \"" + arch +
                                                 "\" (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)");

  out.vocabSize = positiveInt(config, "vocab_size", 1 << 22);
  out.hiddenSize = positiveInt(config, "hidden_size", 1 << 16);
  out.intermediateSize = positiveInt(config, "intermediate_size", 1 << 18);
  out.numLayers = positiveInt(config, "num_hidden_layers", 1024);
  out.numHeads = positiveInt(config, "num_attention_heads", 1024);
  out.numKvHeads = config.find("num_key_value_heads") && !config.find("num_key_value_heads")->isNull()
                       ? positiveInt(config, "num_key_value_heads", 1024)
                       : out.numHeads;
  out.maxPositionEmbeddings = positiveInt(config, "max_position_embeddings", 1 << 24);
  if (out.numHeads % out.numKvHeads != 0) {
    bad("num_attention_heads (" + std::to_string(out.numHeads) + ") must be a multiple of num_key_value_heads (" +
        std::to_string(out.numKvHeads) + ")");
  }
  if (config.find("head_dim") && !config.find("head_dim")->isNull()) {
    out.headDim = positiveInt(config, "head_dim", 1024);
  } else {
    if (out.hiddenSize % out.numHeads != 0) bad("hidden_size must be a multiple of num_attention_heads");
    out.headDim = out.hiddenSize / out.numHeads;
  }
  if (out.headDim % 2 != 0) bad("head_dim must be even for rotary embeddings");

  std::string hiddenAct = jsonStringOr(config, "hidden_act", "silu");
  if (hiddenAct != "silu") fail(ErrorCode::kUnsupported, "config.json: hidden_act \"" + hiddenAct + "\" is not supported (silu)");
  out.rmsNormEps = jsonNumberOr(config, "rms_norm_eps", 1e-6);
  if (!(out.rmsNormEps > 0 && out.rmsNormEps < 1)) bad("rms_norm_eps must be in (0, 1)");
  out.ropeTheta = jsonNumberOr(config, "rope_theta", 10000.0);
  if (!(out.ropeTheta > 1)) bad("rope_theta must be > 1");
  out.ropeScaling = parseRopeScaling(config.find("rope_scaling"));
  out.tieWordEmbeddings = jsonBoolOr(config, "tie_word_embeddings", false);

  if (jsonBoolOr(config, "mlp_bias", false)) fail(ErrorCode::kUnsupported, "config.json: mlp_bias is not supported");
  switch (out.architecture) {
    case Architecture::kQwen2:
      out.qkvBias = true;  // Qwen2 always has q/k/v biases and no o bias
      // Qwen2's window applies only to layers past max_window_layers; refuse rather than
      // approximate it.
      if (jsonBoolOr(config, "use_sliding_window", false)) {
        fail(ErrorCode::kUnsupported, "config.json: Qwen2 use_sliding_window is not supported");
      }
      break;
    case Architecture::kMistral:
      out.slidingWindow = int(jsonIntOr(config, "sliding_window", 0));
      [[fallthrough]];
    case Architecture::kLlama:
      out.qkvBias = out.oBias = jsonBoolOr(config, "attention_bias", false);
      break;
  }
  if (out.slidingWindow < 0) bad("sliding_window must be positive or null");
  return out;
}

ModelConfig loadModelConfig(const std::string& directory) {
  std::string path = directory + "/config.json";
  Json json;
  try {
    json = Json::parse(readTextFile(path, 1 << 20));
  } catch (const Error& error) {
    fail(error.code() == ErrorCode::kIo ? ErrorCode::kIo : ErrorCode::kInvalidConfig, path + ": " + error.what());
  }
  return parseModelConfig(json);
}

Json modelConfigToJson(const ModelConfig& c) {
  Json json = Json::object();
  json.set("architectures", Json::array({Json(architectureName(c.architecture))}));
  json.set("model_type", Json(modelTypeName(c.architecture)));
  json.set("vocab_size", Json(c.vocabSize));
  json.set("hidden_size", Json(c.hiddenSize));
  json.set("intermediate_size", Json(c.intermediateSize));
  json.set("num_hidden_layers", Json(c.numLayers));
  json.set("num_attention_heads", Json(c.numHeads));
  json.set("num_key_value_heads", Json(c.numKvHeads));
  json.set("head_dim", Json(c.headDim));
  json.set("hidden_act", Json("silu"));
  json.set("max_position_embeddings", Json(c.maxPositionEmbeddings));
  json.set("rms_norm_eps", Json(c.rmsNormEps));
  json.set("rope_theta", Json(c.ropeTheta));
  if (c.ropeScaling.type == RopeScaling::Type::kLlama3) {
    json.set("rope_scaling", Json::object({{"rope_type", Json("llama3")},
                                            {"factor", Json(c.ropeScaling.factor)},
                                            {"low_freq_factor", Json(c.ropeScaling.lowFreqFactor)},
                                            {"high_freq_factor", Json(c.ropeScaling.highFreqFactor)},
                                            {"original_max_position_embeddings",
                                             Json(c.ropeScaling.originalMaxPositionEmbeddings)}}));
  } else if (c.ropeScaling.type == RopeScaling::Type::kLinear) {
    json.set("rope_scaling", Json::object({{"rope_type", Json("linear")}, {"factor", Json(c.ropeScaling.factor)}}));
  } else {
    json.set("rope_scaling", Json());
  }
  json.set("tie_word_embeddings", Json(c.tieWordEmbeddings));
  if (c.architecture == Architecture::kLlama) {
    json.set("attention_bias", Json(c.qkvBias));
    json.set("mlp_bias", Json(false));
  }
  if (c.architecture == Architecture::kMistral) {
    json.set("sliding_window", c.slidingWindow ? Json(c.slidingWindow) : Json());
  }
  if (c.architecture == Architecture::kQwen2) {
    json.set("use_sliding_window", Json(false));
    json.set("sliding_window", Json(c.maxPositionEmbeddings));
  }
  json.set("torch_dtype", Json("bfloat16"));
  json.set("bos_token_id", Json(1));
  json.set("eos_token_id", Json(2));
  return json;
}

}  // namespace tributary
