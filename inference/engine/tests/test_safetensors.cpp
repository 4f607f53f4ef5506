#include "file_helpers.h"
#include "format/safetensors.h"
#include "format/tensor_store.h"
#include "test_support.h"
#include "util/half.h"

using namespace tributary;
using namespace tributary::testing;

namespace {

SafetensorsFile parse(const std::string& bytes) {
  return SafetensorsFile::fromBytes(FileBytes::own(std::vector<uint8_t>(bytes.begin(), bytes.end())), "test");
}

std::string floats(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out.append(reinterpret_cast<const char*>(&v), 4);
  return out;
}

}  // namespace

TEST(readsF32F16Bf16) {
  std::string data = floats({1.5f, -2.0f});
  uint16_t h = floatToFp16(0.25f), b = floatToBf16(-3.0f);
  data.append(reinterpret_cast<const char*>(&h), 2);
  data.append(reinterpret_cast<const char*>(&b), 2);
  auto file = parse(safetensorsBytes(
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("h":{"dtype":"F16","shape":[1,1],"data_offsets":[8,10]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[10,12]}})",
      data));
  CHECK_EQ(file.tensors().size(), size_t(3));
  CHECK_EQ(file.metadata().at("format"), "pt");
  CHECK_EQ(file.readFloat(*file.find("a"))[1], -2.0f);
  CHECK_EQ(file.readFloat(*file.find("h"))[0], 0.25f);
  CHECK_EQ(file.readFloat(*file.find("b"))[0], -3.0f);
}

TEST(halfConversionsRoundTripAndRound) {
  for (float v : {0.0f, 1.0f, -1.0f, 65504.0f, 6.103515625e-05f, 5.960464477539063e-08f, 0.333251953125f}) {
    CHECK_EQ(fp16ToFloat(floatToFp16(v)), v);
  }
  CHECK(std::isinf(fp16ToFloat(floatToFp16(70000.0f))));
  CHECK(std::isnan(fp16ToFloat(floatToFp16(NAN))));
  CHECK(std::isnan(bf16ToFloat(floatToBf16(NAN))));
  CHECK_EQ(bf16ToFloat(floatToBf16(1.0f + 1.0f / 256)), 1.0f);  // tie rounds to even
  CHECK_EQ(fp16ToFloat(floatToFp16(1.0f + 1.0f / 2048)), 1.0f);
}

TEST(rejectsTruncatedAndLyingHeaders) {
  std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  CHECK_THROWS_CODE(parse("abc"), ErrorCode::kInvalidSafetensors);
  CHECK_THROWS_CODE(parse(safetensorsBytes(header, floats({1, 2})).substr(0, 30)), ErrorCode::kInvalidSafetensors);
  CHECK_THROWS_CODE(parse(safetensorsBytes(header, floats({1, 2}), 1000)), ErrorCode::kInvalidSafetensors);
  CHECK_THROWS_CODE(parse(safetensorsBytes(header, floats({1, 2}), int64_t(1) << 40)), ErrorCode::kInvalidSafetensors);
  CHECK_THROWS_CODE(parse(safetensorsBytes(header, floats({1}))), ErrorCode::kInvalidSafetensors);  // data short
  CHECK_THROWS_CODE(parse(safetensorsBytes("{not json}", "")), ErrorCode::kInvalidSafetensors);
  CHECK_THROWS_CODE(parse(safetensorsBytes("[]", "")), ErrorCode::kInvalidSafetensors);
}

TEST(rejectsBadTensorEntries) {
  const std::string data = floats({1, 2, 3, 4});
  const char* bad[] = {
      R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",           // shape x dtype != bytes
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})",           // reversed
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",         // past the end
      R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",          // negative dim
      R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})",         // fractional dim
      R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})",  // overflow
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})",
      R"({"a":{"dtype":"F32","shape":[2]}})",
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})",
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      R"({"a":"x"})",
      R"({"__metadata__":{"k":1}})",
  };
  for (const char* header : bad) CHECK_THROWS_CODE(parse(safetensorsBytes(header, data)), ErrorCode::kInvalidSafetensors);
  CHECK_THROWS_CODE(parse(safetensorsBytes(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", data)),
                    ErrorCode::kUnsupported);
}

TEST(flagsNonFiniteValuesOnRead) {
  auto file = parse(safetensorsBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", floats({1, NAN})));
  CHECK_THROWS_CODE(file.readFloat(*file.find("a")), ErrorCode::kNonFiniteWeight);
  auto inf = parse(safetensorsBytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", floats({INFINITY})));
  CHECK_THROWS_CODE(inf.readFloat(*inf.find("a")), ErrorCode::kNonFiniteWeight);
}

TEST(writerOutputReadsBack) {
  std::string dir = scratchDir("writer");
  std::vector<TensorToWrite> tensors = {{"x", DType::kBF16, {2, 3}}, {"y", DType::kF32, {4}}};
  writeSafetensors(dir + "/t.safetensors", tensors, {{"format", "pt"}}, [](const TensorToWrite& t, std::vector<float>& out) {
    out.assign(t.name == "x" ? 6 : 4, t.name == "x" ? 0.5f : 2.0f);
  });
  auto file = SafetensorsFile::open(dir + "/t.safetensors");
  CHECK_EQ(file.readFloat(*file.find("x"))[5], 0.5f);
  CHECK_EQ(file.readFloat(*file.find("y"))[3], 2.0f);
  std::string bytes = readBytes(dir + "/t.safetensors");
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i) headerLength = (headerLength << 8) | uint8_t(bytes[size_t(i)]);
  CHECK_EQ(headerLength % 8, uint64_t(0));
}

TEST(shardIndexIsValidated) {
  std::string dir = scratchDir("shards");
  auto fill = [](const TensorToWrite&, std::vector<float>& out) { out.assign(2, 1.0f); };
  writeSafetensors(dir + "/s1.safetensors", {{"a", DType::kF32, {2}}}, {}, fill);
  writeSafetensors(dir + "/s2.safetensors", {{"b", DType::kF32, {2}}}, {}, fill);
  writeBytes(dir + "/model.safetensors.index.json", R"({"metadata":{},"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})");
  TensorStore store = TensorStore::openDirectory(dir);
  CHECK(store.find("a") && store.find("b"));
  writeBytes(dir + "/model.safetensors.index.json", R"({"weight_map":{"a":"../s1.safetensors"}})");
  CHECK_THROWS_CODE(TensorStore::openDirectory(dir), ErrorCode::kInvalidSafetensors);
  writeBytes(dir + "/model.safetensors.index.json", R"({"weight_map":{"a":"s2.safetensors","b":"s2.safetensors"}})");
  CHECK_THROWS_CODE(TensorStore::openDirectory(dir), ErrorCode::kInvalidSafetensors);
  writeBytes(dir + "/model.safetensors.index.json", R"({"weight_map":{"a":"s1.safetensors"}})");
  CHECK(TensorStore::openDirectory(dir).find("a"));
  writeBytes(dir + "/model.safetensors.index.json", R"({"weight_map":{"a":"missing.safetensors"}})");
  CHECK_THROWS_CODE(TensorStore::openDirectory(dir), ErrorCode::kIo);
}
