// tributary-gen as the lead uses it: models and adapters from the command line, ids printed,
// same arguments giving the same bytes, and the output loading in the engine.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "file_helpers.h"
#include "model/lora_adapter.h"
#include "model/model_weights.h"
#include "test_support.h"
#include "util/sha256.h"

using namespace tributary;
using namespace tributary::testing;

namespace {

std::string genBinary() {
  return (std::filesystem::path(engineBinary()).parent_path() / "tributary-gen").string();
}

// Runs tributary-gen with arguments; returns its stdout, fails on a non-zero exit.
std::string gen(const std::string& args, int expectedStatus = 0) {
  std::string command = genBinary() + " " + args + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw Failure("cannot run " + command);
  std::string out;
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
  int status = ::pclose(pipe);
  if (WEXITSTATUS(status) != expectedStatus) throw Failure(command + " exited with " + std::to_string(WEXITSTATUS(status)));
  return out;
}

}  // namespace

TEST(writesModelsAdaptersAndIdsDeterministically) {
  std::string dir = scratchDir("cli");
  gen("model --preset tiny --arch mistral --dtype fp16 --seed 3 --out " + dir + "/m1");
  gen("model --preset tiny --arch mistral --dtype fp16 --seed 3 --out " + dir + "/m2");
  CHECK(readBytes(dir + "/m1/model.safetensors") == readBytes(dir + "/m2/model.safetensors"));
  CHECK(readBytes(dir + "/m1/config.json") == readBytes(dir + "/m2/config.json"));
  CHECK(loadModel(dir + "/m1")->config.architecture == Architecture::kMistral);

  std::string line = gen("adapter --model " + dir + "/m1 --out " + dir + "/a --rank 8 --alpha 16 --targets q,k,v,o,gate,up,down --seed 5");
  std::string id = line.substr(0, 64);
  CHECK_EQ(line, id + " " + dir + "/a\n");
  CHECK_EQ(gen("hash " + dir + "/a"), id + "\n");
  CHECK_EQ(id, sha256Hex(readBytes(dir + "/a/adapter_config.json") + readBytes(dir + "/a/adapter_model.safetensors")));
  auto adapter = loadLoraAdapter(dir + "/a", loadModelConfig(dir + "/m1"));
  CHECK_EQ(adapter->id, id);
  CHECK_EQ(adapter->rank, 8);

  std::string many = gen("adapters --model " + dir + "/m1 --out " + dir + "/many --count 3 --rank 4 --rslora");
  CHECK_EQ(std::count(many.begin(), many.end(), '\n'), 3);
  CHECK(fileExists(dir + "/many/adapter-0002/adapter_model.safetensors"));
  CHECK_EQ(many.substr(0, 64), gen("hash " + dir + "/many/adapter-0000").substr(0, 64));
}

TEST(shardedOutputHasAnIndexAndLoads) {
  std::string dir = scratchDir("cli-sharded");
  gen("model --preset tiny --arch qwen2 --shards 3 --out " + dir);
  CHECK(fileExists(dir + "/model.safetensors.index.json"));
  CHECK(fileExists(dir + "/model-00003-of-00003.safetensors"));
  CHECK(loadModel(dir)->config.tieWordEmbeddings);
}

TEST(badArgumentsFailWithUsage) {
  gen("model --preset huge --out /tmp/never", 1);
  gen("adapter --out /tmp/never", 1);
  gen("frobnicate", 2);
  CHECK(gen("help").find("usage") != std::string::npos);
}
