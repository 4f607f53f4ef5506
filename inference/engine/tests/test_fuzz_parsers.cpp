// Seeded fuzzing of everything that parses untrusted bytes: the JSON parser, the safetensors
// reader and the protocol's frame handling. Each input must either parse or fail with a typed
// tributary::Error, never crash, hang or leak another exception type. Deterministic: the same
// seeds run in CI every time (set TRIBUTARY_FUZZ_ITERATIONS to run longer locally).
#include <unistd.h>

#include <cstdlib>

#include "file_helpers.h"
#include "format/safetensors.h"
#include "gen/checkpoint_generator.h"
#include "server/frame.h"
#include "server/protocol_server.h"
#include "test_support.h"
#include "util/json.h"
#include "util/rng.h"

using namespace tributary;
using namespace tributary::testing;

namespace {

int iterations(int fallback) {
  const char* env = std::getenv("TRIBUTARY_FUZZ_ITERATIONS");
  return env ? std::atoi(env) : fallback;
}

// One random edit: flip a bit, overwrite, insert or delete a byte, truncate, duplicate a span,
// or plant an "interesting" token.
std::string mutate(std::string input, Rng& rng) {
  static const char* kTokens[] = {"{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "-", "0", "1e999",
                                  "null", "true", "18446744073709551615", "-9223372036854775809", "\xff", "\xc0\x80", "\x00"};
  int edits = 1 + int(rng.below(4));
  for (int e = 0; e < edits; ++e) {
    size_t at = input.empty() ? 0 : size_t(rng.below(input.size()));
    switch (rng.below(7)) {
      case 0:
        if (!input.empty()) input[at] = char(input[at] ^ (1 << rng.below(8)));
        break;
      case 1:
        if (!input.empty()) input[at] = char(rng.below(256));
        break;
      case 2: input.insert(input.begin() + long(at), char(rng.below(256))); break;
      case 3:
        if (!input.empty()) input.erase(at, 1 + rng.below(8));
        break;
      case 4: input.resize(at); break;
      case 5:
        if (!input.empty()) input.insert(at, input.substr(size_t(rng.below(input.size())), 1 + rng.below(16)));
        break;
      default: input.insert(at, kTokens[rng.below(sizeof kTokens / sizeof *kTokens)]); break;
    }
  }
  return input;
}

template <typename F>
void expectTypedOutcome(const std::string& what, F&& run) {
  try {
    run();
  } catch (const Error&) {
  } catch (const std::exception& other) {
    throw Failure(what + " threw an untyped exception: " + other.what());
  }
}

}  // namespace

TEST(jsonParserSurvivesMutationsAndRoundTrips) {
  const std::vector<std::string> corpus = {
      R"({"id":1,"op":"generate","prompt_tokens":[1,2,3],"adapters":[{"id":"abc","weight":0.5}],"top_p":0.9})",
      R"([true,false,null,-0.0,1e-7,"\u00e9\ud83d\ude00",{"a":{"b":[[]]}}])",
      R"({"dtype":"BF16","shape":[4096,4096],"data_offsets":[0,33554432]})",
      R"("\"\\\/\b\f\n\r\t")",
  };
  Rng rng(1);
  const int n = iterations(20000);
  for (int i = 0; i < n; ++i) {
    std::string input = mutate(corpus[size_t(i) % corpus.size()], rng);
    expectTypedOutcome("Json::parse", [&] {
      Json value = Json::parse(input);
      std::string once = value.dump();
      if (Json::parse(once).dump() != once) throw Failure("dump/parse is not stable for " + once);
    });
  }
}

TEST(safetensorsReaderSurvivesMutations) {
  std::string dir = scratchDir("fuzz-safetensors");
  std::vector<TensorToWrite> tensors = {{"a", DType::kF32, {3, 2}}, {"b", DType::kBF16, {5}}, {"c", DType::kF16, {2, 2, 2}}};
  writeSafetensors(dir + "/seed.safetensors", tensors, {{"format", "pt"}},
                   [](const TensorToWrite& t, std::vector<float>& out) { out.assign(size_t(t.shape[0] * (t.shape.size() > 1 ? t.shape[1] : 1) * (t.shape.size() > 2 ? t.shape[2] : 1)), 0.5f); });
  const std::string seed = readBytes(dir + "/seed.safetensors");
  Rng rng(2);
  const int n = iterations(5000);
  for (int i = 0; i < n; ++i) {
    std::string input = seed;
    // Mostly mutate the header (where the parsing is), sometimes the length prefix.
    if (rng.below(4) == 0) {
      input[size_t(rng.below(8))] = char(rng.below(256));
    } else {
      size_t headerLength = size_t(uint8_t(seed[0])) | size_t(uint8_t(seed[1])) << 8;
      std::string header = mutate(seed.substr(8, headerLength), rng);
      input = safetensorsBytes(header, seed.substr(8 + headerLength), rng.below(3) == 0 ? int64_t(headerLength) : -1);
    }
    expectTypedOutcome("safetensors", [&] {
      auto file = SafetensorsFile::fromBytes(FileBytes::own(std::vector<uint8_t>(input.begin(), input.end())), "fuzz");
      for (const auto& info : file.tensors()) {
        try {
          file.readFloat(info);
        } catch (const Error& error) {
          if (error.code() != ErrorCode::kNonFiniteWeight) throw;
        }
      }
    });
  }
}

TEST(protocolSurvivesMutatedFramesAndAnswersEveryOne) {
  std::string dir = scratchDir("fuzz-protocol");
  ModelGenOptions options;
  options.config = presetModelConfig("tiny", Architecture::kLlama);
  options.config.numLayers = 1;
  generateModel(dir + "/model", options);
  AdapterGenOptions adapter;
  std::string adapterId = generateAdapter(dir + "/adapter", options.config, adapter);

  int replies = 0;
  ProtocolServer server([&](const Json& message) {
    if (!message.isObject() || !message.find("event")) throw Failure("reply without an event: " + message.dump());
    replies++;
  });
  server.handleFrame(Json::object({{"id", Json(0)}, {"op", Json("load_model")}, {"path", Json(dir + "/model")},
                                   {"options", Json::object({{"kv_blocks", Json(16)}, {"block_size", Json(4)}})}})
                         .dump());
  server.handleFrame(Json::object({{"id", Json(0)}, {"op", Json("load_adapter")}, {"path", Json(dir + "/adapter")}}).dump());
  while (server.hasWork()) server.pump();
  const std::vector<std::string> corpus = {
      R"({"id":1,"op":"generate","prompt_tokens":[1,2,3],"max_tokens":3,"adapters":[{"id":")" + adapterId + R"(","weight":0.5}]})",
      R"({"id":"x","op":"generate","prompt_tokens":[5],"max_tokens":2,"temperature":0.7,"top_k":3,"top_p":0.9,"seed":4,"stop_token_ids":[1],"logprobs":true})",
      R"({"id":2,"op":"cancel","target":1})",
      R"({"id":3,"op":"pin_adapter","adapter_id":")" + adapterId + R"(","pinned":false})",
      R"({"id":4,"op":"stats"})",
      R"({"id":5,"op":"health"})",
      R"({"id":6,"op":"unload_adapter","adapter_id":"nope"})",
      R"({"id":7,"op":"load_adapter","path":"/nonexistent"})",
  };
  Rng rng(3);
  const int n = iterations(3000);
  for (int i = 0; i < n; ++i) {
    std::string frame = rng.below(5) == 0 ? corpus[size_t(i) % corpus.size()] : mutate(corpus[size_t(i) % corpus.size()], rng);
    if (frame.find("load_model") != std::string::npos || frame.find("shutdown") != std::string::npos) continue;
    int before = replies;
    expectTypedOutcome("protocol", [&] { server.handleFrame(frame); });
    for (int step = 0; step < 3 && server.hasWork(); ++step) server.pump();
    // Every frame gets an answer unless it is a valid generate (whose answer is its stream).
    // Every frame gets an answer unless it is a valid generate (answered by its stream) or an
    // adapter load (answered when its worker thread finishes).
    if (replies == before && frame.find("generate") == std::string::npos && frame.find("load_adapter") == std::string::npos) {
      throw Failure("no reply to frame " + frame);
    }
  }
  for (int step = 0; step < 10000 && server.hasWork(); ++step) server.pump();
  CHECK(!server.hasWork());
}

TEST(frameReaderSurvivesRandomStreams) {
  std::string dir = scratchDir("fuzz-frames");
  Rng rng(4);
  const int n = iterations(300);
  for (int i = 0; i < n; ++i) {
    std::string stream;
    int frames = int(rng.below(5));
    for (int f = 0; f < frames; ++f) stream += encodeFrame(std::string(rng.below(100), 'a'));
    stream = mutate(stream, rng);
    writeBytes(dir + "/stream", stream);
    FILE* file = std::fopen((dir + "/stream").c_str(), "rb");
    std::string payload;
    uint32_t declared;
    size_t consumed = 0;
    for (int guard = 0; guard < 1000; ++guard) {
      FrameStatus status = readFrame(fileno(file), payload, declared, 1 << 16);
      if (status == FrameStatus::kEof || status == FrameStatus::kTruncated) break;
      consumed += 4 + (status == FrameStatus::kFrame ? payload.size() : 0);
      CHECK(consumed <= stream.size() || status == FrameStatus::kTooLarge);
    }
    std::fclose(file);
  }
}
