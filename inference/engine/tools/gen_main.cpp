// tributary-gen: writes deterministic random Llama-family checkpoints and PEFT LoRA adapters in
// the exact HF / PEFT formats, and prints adapter ids. Run with no arguments for usage.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "gen/checkpoint_generator.h"
#include "model/lora_adapter.h"
#include "util/error.h"

using namespace tributary;

namespace {

const char* kUsage = R"(usage:
  tributary-gen model   --out DIR [--preset tiny|demo|llama3-8b-shape] [--arch llama|mistral|qwen2]
                        [--dtype bf16|fp16|fp32] [--seed N] [--shards N] [--tie-embeddings 0|1]
                        [--sliding-window N]
  tributary-gen adapter --out DIR --model DIR [--rank R] [--alpha A] [--rslora]
                        [--targets q,k,v,o,gate,up,down|all] [--seed N] [--dtype fp32|fp16|bf16]
                        [--b-gain G]
  tributary-gen adapters --out DIR --model DIR --count N [adapter options...]
                        writes DIR/adapter-0000 ... and prints "<id> <dir>" per adapter
  tributary-gen hash DIR   prints the adapter id: sha256(adapter_config.json || adapter_model.safetensors)

Defaults: preset tiny, arch llama, dtype bf16 (model) / fp32 (adapter), seed 0, shards 1,
rank 8, alpha 16, targets q,v. Same arguments, same bytes, on every machine.
)";

struct Args {
  std::string command;
  std::map<std::string, std::string> options;
  std::string positional;
};

Args parseArgs(int argc, char** argv) {
  Args args;
  if (argc < 2) return args;
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      args.positional = arg;
      continue;
    }
    std::string key = arg.substr(2);
    if (key == "rslora") {
      args.options[key] = "1";
    } else if (i + 1 < argc) {
      args.options[key] = argv[++i];
    } else {
      fail(ErrorCode::kInvalidRequest, "option --" + key + " needs a value");
    }
  }
  return args;
}

std::string option(const Args& args, const std::string& key, const std::string& fallback) {
  auto it = args.options.find(key);
  return it == args.options.end() ? fallback : it->second;
}

std::string required(const Args& args, const std::string& key) {
  auto it = args.options.find(key);
  if (it == args.options.end()) fail(ErrorCode::kInvalidRequest, "missing --" + key);
  return it->second;
}

AdapterGenOptions adapterOptions(const Args& args) {
  AdapterGenOptions options;
  options.rank = std::stoi(option(args, "rank", "8"));
  options.alpha = std::stod(option(args, "alpha", "16"));
  options.rslora = args.options.count("rslora") > 0;
  options.targets = parseTargetList(option(args, "targets", "q,v"));
  options.seed = std::stoull(option(args, "seed", "0"));
  options.dtype = parseDTypeShortName(option(args, "dtype", "fp32"));
  options.bGain = std::stof(option(args, "b-gain", "1"));
  if (options.rank < 1 || options.rank > 1024) fail(ErrorCode::kInvalidRequest, "--rank must be in 1..1024");
  if (options.alpha == 0) fail(ErrorCode::kInvalidRequest, "--alpha must be non-zero");
  return options;
}

int run(const Args& args) {
  if (args.command == "model") {
    ModelGenOptions options;
    options.config = presetModelConfig(option(args, "preset", "tiny"), parseArchitectureShortName(option(args, "arch", "llama")));
    options.dtype = parseDTypeShortName(option(args, "dtype", "bf16"));
    options.seed = std::stoull(option(args, "seed", "0"));
    options.shards = std::stoi(option(args, "shards", "1"));
    if (options.shards < 1) fail(ErrorCode::kInvalidRequest, "--shards must be at least 1");
    if (args.options.count("tie-embeddings")) options.config.tieWordEmbeddings = option(args, "tie-embeddings", "0") == "1";
    options.config.slidingWindow = std::stoi(option(args, "sliding-window", std::to_string(options.config.slidingWindow)));
    generateModel(required(args, "out"), options);
    std::printf("%s\n", required(args, "out").c_str());
    return 0;
  }
  if (args.command == "adapter" || args.command == "adapters") {
    ModelConfig base = loadModelConfig(required(args, "model"));
    AdapterGenOptions options = adapterOptions(args);
    const std::string out = required(args, "out");
    if (args.command == "adapter") {
      std::printf("%s %s\n", generateAdapter(out, base, options).c_str(), out.c_str());
      return 0;
    }
    const int count = std::stoi(required(args, "count"));
    if (count < 1 || count > 100000) fail(ErrorCode::kInvalidRequest, "--count must be in 1..100000");
    const uint64_t firstSeed = options.seed;
    for (int i = 0; i < count; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "/adapter-%04d", i);
      options.seed = firstSeed + uint64_t(i);
      std::printf("%s %s\n", generateAdapter(out + name, base, options).c_str(), (out + name).c_str());
    }
    return 0;
  }
  if (args.command == "hash") {
    if (args.positional.empty()) fail(ErrorCode::kInvalidRequest, "hash needs an adapter directory");
    std::printf("%s\n", adapterIdOfDirectory(args.positional).c_str());
    return 0;
  }
  std::fputs(kUsage, args.command.empty() || args.command == "help" || args.command == "--help" ? stdout : stderr);
  return args.command.empty() || args.command == "help" || args.command == "--help" ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parseArgs(argc, argv));
  } catch (const Error& error) {
    std::fprintf(stderr, "tributary-gen: %s: %s\n", errorCodeName(error.code()), error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tributary-gen: %s\n", error.what());
    return 1;
  }
}
