#include "train/output_dir.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "format/mapped_file.h"
#include "model/lora_adapter.h"
#include "util/error.h"

namespace tributary::train {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "checkpoint-";

// The step of a `checkpoint-<step>` name, or -1.
int stepOfName(const std::string& name) {
  const std::string prefix = kPrefix;
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return -1;
  const std::string digits = name.substr(prefix.size());
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(digits);
}

void writeFileAtomically(const std::string& path, const std::string& text) {
  const std::string staging = path + ".partial";
  FILE* file = std::fopen(staging.c_str(), "wb");
  if (!file) fail(ErrorCode::kIo, "cannot write " + staging);
  const bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !ok) fail(ErrorCode::kIo, "cannot write " + staging);
  std::error_code error;
  fs::rename(staging, path, error);
  if (error) fail(ErrorCode::kIo, "cannot rename " + staging + ": " + error.message());
}

}  // namespace

std::string checkpointPath(const std::string& outputDir, int step) {
  return (fs::path(outputDir) / (kPrefix + std::to_string(step))).string();
}

void claimOutputDir(const std::string& outputDir, const Json& identity) {
  std::error_code error;
  fs::create_directories(outputDir, error);
  if (error || !fs::is_directory(outputDir)) fail(ErrorCode::kIo, "cannot create output_dir " + outputDir);
  const std::string manifest = (fs::path(outputDir) / "job.json").string();
  if (fileExists(manifest)) {
    if (Json::parse(readTextFile(manifest, 1 << 20)).dump() != identity.dump()) {
      fail(ErrorCode::kInvalidRequest, "output_dir " + outputDir +
                                           " holds another job (its job.json differs: model, data, seed, LoRA spec or hyper-parameters); "
                                           "use a new output_dir");
    }
    return;
  }
  if (!fs::is_empty(outputDir)) fail(ErrorCode::kInvalidRequest, "output_dir " + outputDir + " is not empty and holds no job.json");
  writeFileAtomically(manifest, identity.dump() + "\n");
}

std::optional<SavedCheckpoint> latestCheckpoint(const std::string& outputDir) {
  std::optional<SavedCheckpoint> latest;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(outputDir, error)) {
    const int step = stepOfName(entry.path().filename().string());
    if (step < 0 || !entry.is_directory() || !fileExists((entry.path() / "trainer_state.json").string())) continue;
    if (!latest || step > latest->step) latest = SavedCheckpoint{entry.path().string(), step, ""};
  }
  if (latest) latest->adapterId = adapterIdOfDirectory(latest->path);
  return latest;
}

void pruneCheckpoints(const std::string& outputDir, const std::string& keep, int keepCount) {
  std::error_code error;
  std::vector<fs::path> stale;
  std::vector<std::pair<int, fs::path>> others;  // complete checkpoints besides `keep`
  for (const fs::directory_entry& entry : fs::directory_iterator(outputDir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0 || name == fs::path(keep).filename().string()) continue;
    const int step = stepOfName(name);
    if (step >= 0 && entry.is_directory()) others.emplace_back(step, entry.path());
    else stale.push_back(entry.path());
  }
  std::sort(others.begin(), others.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < others.size(); ++i) {
    if (int(i) >= keepCount - 1) stale.push_back(others[i].second);
  }
  for (const fs::path& path : stale) fs::remove_all(path, error);
}

}  // namespace tributary::train
