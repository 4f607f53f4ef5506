#include <cmath>

#include "file_helpers.h"
#include "format/tensor_store.h"
#include "gen/checkpoint_generator.h"
#include "model/lora_adapter.h"
#include "model/model_weights.h"
#include "test_support.h"
#include "util/sha256.h"

using namespace tributary;
using namespace tributary::testing;

namespace {

std::string tinyModel(const std::string& name, Architecture arch = Architecture::kLlama, DType dtype = DType::kBF16,
                      int shards = 1) {
  std::string dir = scratchDir(name);
  ModelGenOptions options;
  options.config = presetModelConfig("tiny", arch);
  options.dtype = dtype;
  options.seed = 7;
  options.shards = shards;
  generateModel(dir, options);
  return dir;
}

Json llamaConfig() {
  return Json::parse(R"({"architectures":["LlamaForCausalLM"],"vocab_size":128,"hidden_size":64,
    "intermediate_size":96,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,
    "max_position_embeddings":256,"rms_norm_eps":1e-5,"rope_theta":500000.0,
    "rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,
    "original_max_position_embeddings":8192},"tie_word_embeddings":false})");
}

}  // namespace

TEST(parsesLlama3Config) {
  ModelConfig c = parseModelConfig(llamaConfig());
  CHECK_EQ(c.headDim, 16);
  CHECK_EQ(c.numKvHeads, 2);
  CHECK(c.ropeScaling.type == RopeScaling::Type::kLlama3);
  CHECK_EQ(c.ropeScaling.factor, 8.0);
  CHECK(!c.qkvBias);
}

TEST(configRejectsBadValues) {
  Json unknown = llamaConfig();
  unknown.set("architectures", Json::array({Json("GPT2LMHeadModel")}));
  CHECK_THROWS_CODE(parseModelConfig(unknown), ErrorCode::kUnknownArchitecture);
  Json gqa = llamaConfig();
  gqa.set("num_key_value_heads", Json(3));
  CHECK_THROWS_CODE(parseModelConfig(gqa), ErrorCode::kInvalidConfig);
  Json negative = llamaConfig();
  negative.set("hidden_size", Json(-64));
  CHECK_THROWS_CODE(parseModelConfig(negative), ErrorCode::kInvalidConfig);
  Json yarn = llamaConfig();
  yarn.set("rope_scaling", Json::object({{"rope_type", Json("yarn")}, {"factor", Json(4.0)}}));
  CHECK_THROWS_CODE(parseModelConfig(yarn), ErrorCode::kUnsupported);
  Json text = llamaConfig();
  text.set("vocab_size", Json("128"));
  CHECK_THROWS_CODE(parseModelConfig(text), ErrorCode::kInvalidConfig);
  CHECK_THROWS_CODE(parseModelConfig(Json::array()), ErrorCode::kInvalidConfig);
}

TEST(qwen2HasQkvBiasAndGeneratedConfigRoundTrips) {
  ModelConfig preset = presetModelConfig("tiny", Architecture::kQwen2);
  ModelConfig parsed = parseModelConfig(Json::parse(modelConfigToJson(preset).dump()));
  CHECK(parsed.architecture == Architecture::kQwen2);
  CHECK(parsed.qkvBias && !parsed.oBias && parsed.tieWordEmbeddings);
  ModelConfig big = parseModelConfig(modelConfigToJson(presetModelConfig("llama3-8b-shape", Architecture::kLlama)));
  CHECK_EQ(big.numLayers, 32);
  CHECK(big.ropeScaling.type == RopeScaling::Type::kLlama3);
}

TEST(loadsGeneratedModelsInEveryDtypeAndArchitecture) {
  for (Architecture arch : {Architecture::kLlama, Architecture::kMistral, Architecture::kQwen2}) {
    for (DType dtype : {DType::kBF16, DType::kF16, DType::kF32}) {
      auto model = loadModel(tinyModel("arch", arch, dtype));
      CHECK_EQ(model->weights.layers.size(), size_t(2));
      CHECK_EQ(model->weights.lmHead.empty(), arch == Architecture::kQwen2);
      CHECK_EQ(model->weights.layers[0].bias[0].empty(), arch != Architecture::kQwen2);
    }
  }
}

TEST(generationIsDeterministicAndShardingPreservesValues) {
  std::string a = tinyModel("det-a"), b = tinyModel("det-b"), sharded = tinyModel("det-sharded", Architecture::kLlama, DType::kBF16, 3);
  CHECK(readBytes(a + "/model.safetensors") == readBytes(b + "/model.safetensors"));
  CHECK(fileExists(sharded + "/model-00003-of-00003.safetensors"));
  auto one = loadModel(a), three = loadModel(sharded);
  CHECK(one->weights.embedTokens.data == three->weights.embedTokens.data);
  CHECK(one->weights.lmHead.data == three->weights.lmHead.data);
  CHECK(one->weights.layers[1].proj[6].data == three->weights.layers[1].proj[6].data);
}

TEST(modelLoadRejectsWrongShapesAndNonFiniteWeights) {
  std::string dir = tinyModel("bad-model", Architecture::kLlama, DType::kF32);
  ModelConfig config = loadModelConfig(dir);
  // Wrong shape: config says 3 layers' worth of hidden size 64, file has hidden 64; change config.
  Json json = modelConfigToJson(config);
  json.set("intermediate_size", Json(100));
  writeBytes(dir + "/config.json", json.dump());
  CHECK_THROWS_CODE(loadModel(dir), ErrorCode::kShapeMismatch);
  json.set("intermediate_size", Json(config.intermediateSize));
  json.set("num_hidden_layers", Json(1));  // leaves layer 1's tensors unexpected
  writeBytes(dir + "/config.json", json.dump());
  CHECK_THROWS_CODE(loadModel(dir), ErrorCode::kShapeMismatch);
  json.set("num_hidden_layers", Json(2));
  writeBytes(dir + "/config.json", json.dump());
  CHECK(loadModel(dir) != nullptr);
  // Poison one weight with NaN, in place.
  std::string bytes = readBytes(dir + "/model.safetensors");
  float nan = NAN;
  bytes.replace(bytes.size() - 4, 4, reinterpret_cast<const char*>(&nan), 4);
  writeBytes(dir + "/model.safetensors", bytes);
  CHECK_THROWS_CODE(loadModel(dir), ErrorCode::kNonFiniteWeight);
  writeBytes(dir + "/config.json", R"({"architectures":["FalconForCausalLM"]})");
  CHECK_THROWS_CODE(loadModel(dir), ErrorCode::kUnknownArchitecture);
}

TEST(loadsPeftAdapterWithScaleAndId) {
  std::string modelDir = tinyModel("adapter-base");
  ModelConfig base = loadModelConfig(modelDir);
  AdapterGenOptions options;
  options.rank = 4;
  options.alpha = 8;
  options.targets = parseTargetList("all");
  std::string dir = scratchDir("adapter");
  std::string id = generateAdapter(dir, base, options);
  auto adapter = loadLoraAdapter(dir, base);
  CHECK_EQ(adapter->id, id);
  CHECK_EQ(id.size(), size_t(64));
  CHECK_EQ(adapter->scale, 2.0f);
  CHECK_EQ(adapter->layers[1][6].a.dim(1), int64_t(base.intermediateSize));
  CHECK_EQ(adapter->layers[1][6].b.dim(0), int64_t(base.hiddenSize));
  options.rslora = true;
  std::string rsDir = scratchDir("adapter-rs");
  generateAdapter(rsDir, base, options);
  CHECK_EQ(loadLoraAdapter(rsDir, base)->scale, 4.0f);  // 8 / sqrt(4)
  std::string concatenated = readBytes(dir + "/adapter_config.json") + readBytes(dir + "/adapter_model.safetensors");
  CHECK_EQ(id, sha256Hex(concatenated));
}

TEST(adapterRejectsRankMismatchWrongShapesAndUnsupportedConfigs) {
  std::string modelDir = tinyModel("adapter-bad-base");
  ModelConfig base = loadModelConfig(modelDir);
  std::string dir = scratchDir("adapter-bad");
  AdapterGenOptions options;
  options.rank = 4;
  generateAdapter(dir, base, options);
  std::string goodConfig = readBytes(dir + "/adapter_config.json");
  // The config claims r=8 while tensors hold rank 4.
  Json config = Json::parse(goodConfig);
  config.set("r", Json(8));
  writeBytes(dir + "/adapter_config.json", config.dump());
  CHECK_THROWS_CODE(loadLoraAdapter(dir, base), ErrorCode::kRankMismatch);
  config.set("r", Json(4));
  config.set("use_dora", Json(true));
  writeBytes(dir + "/adapter_config.json", config.dump());
  CHECK_THROWS_CODE(loadLoraAdapter(dir, base), ErrorCode::kUnsupported);
  config.set("use_dora", Json(false));
  config.set("target_modules", Json::array({Json("lm_head")}));
  writeBytes(dir + "/adapter_config.json", config.dump());
  CHECK_THROWS_CODE(loadLoraAdapter(dir, base), ErrorCode::kUnsupported);
  writeBytes(dir + "/adapter_config.json", goodConfig);
  CHECK(loadLoraAdapter(dir, base) != nullptr);

  // A [4, in] with B [out, 3]: A/B rank mismatch.
  std::vector<TensorToWrite> tensors;
  for (int l = 0; l < base.numLayers; ++l) {
    tensors.push_back({loraTensorName(l, Proj::kQ, false), DType::kF32, {4, base.hiddenSize}});
    tensors.push_back({loraTensorName(l, Proj::kQ, true), DType::kF32, {base.qSize(), l == 1 ? 3 : 4}});
    tensors.push_back({loraTensorName(l, Proj::kV, false), DType::kF32, {4, base.hiddenSize}});
    tensors.push_back({loraTensorName(l, Proj::kV, true), DType::kF32, {base.kvSize(), 4}});
  }
  auto fill = [](const TensorToWrite& t, std::vector<float>& out) { out.assign(size_t(t.shape[0] * t.shape[1]), 0.01f); };
  writeSafetensors(dir + "/adapter_model.safetensors", tensors, {}, fill);
  CHECK_THROWS_CODE(loadLoraAdapter(dir, base), ErrorCode::kRankMismatch);
  tensors[3].shape = {base.kvSize() + 1, 4};  // v_proj B of layer 0 too tall
  tensors[5].shape = {base.qSize(), 4};
  writeSafetensors(dir + "/adapter_model.safetensors", tensors, {}, fill);
  CHECK_THROWS_CODE(loadLoraAdapter(dir, base), ErrorCode::kShapeMismatch);
}
