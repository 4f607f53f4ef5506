#include "format/tensor_store.h"

#include "util/error.h"
#include "util/json.h"

namespace tributary {
namespace {

constexpr size_t kMaxIndexBytes = 64u << 20;

// Shard names come from a file we do not trust: a name with a path separator or ".." could
// make us open files outside the model directory.
void checkShardName(const std::string& indexPath, const std::string& shard) {
  if (shard.empty() || shard.find('/') != std::string::npos || shard.find('\\') != std::string::npos ||
      shard == "." || shard == "..") {
    fail(ErrorCode::kInvalidSafetensors, indexPath + ": shard name \"" + shard + "\" must be a plain file name");
  }
}

}  // namespace

TensorStore TensorStore::openDirectory(const std::string& directory) {
  TensorStore store;
  const std::string indexPath = directory + "/model.safetensors.index.json";
  const std::string singlePath = directory + "/model.safetensors";
  if (fileExists(indexPath)) {
    Json index;
    try {
      index = Json::parse(readTextFile(indexPath, kMaxIndexBytes));
    } catch (const Error& error) {
      fail(error.code() == ErrorCode::kIo ? ErrorCode::kIo : ErrorCode::kInvalidSafetensors,
           indexPath + ": " + error.what());
    }
    const Json* weightMap = index.find("weight_map");
    if (!weightMap || !weightMap->isObject()) {
      fail(ErrorCode::kInvalidSafetensors, indexPath + ": missing object \"weight_map\"");
    }
    std::map<std::string, size_t> shardIndex;
    for (const auto& member : weightMap->asObject()) {
      if (!member.second.isString()) fail(ErrorCode::kInvalidSafetensors, indexPath + ": weight_map values must be strings");
      const std::string& shard = member.second.asString();
      checkShardName(indexPath, shard);
      auto it = shardIndex.find(shard);
      if (it == shardIndex.end()) {
        it = shardIndex.emplace(shard, store.files_.size()).first;
        store.files_.push_back(std::make_unique<SafetensorsFile>(SafetensorsFile::open(directory + "/" + shard)));
      }
      const SafetensorsFile* file = store.files_[it->second].get();
      const TensorInfo* info = file->find(member.first);
      if (!info) {
        fail(ErrorCode::kInvalidSafetensors, indexPath + ": tensor \"" + member.first + "\" is not in shard " + shard);
      }
      store.entries_[member.first] = Entry{file, info};
    }
    for (const auto& file : store.files_) {
      for (const auto& info : file->tensors()) {
        auto entry = store.entries_.find(info.name);
        if (entry == store.entries_.end() || entry->second.file != file.get()) {
          fail(ErrorCode::kInvalidSafetensors, file->label() + ": tensor \"" + info.name + "\" is not mapped to this shard by the index");
        }
      }
    }
    return store;
  }
  if (!fileExists(singlePath)) {
    fail(ErrorCode::kIo, directory + " has neither model.safetensors nor model.safetensors.index.json");
  }
  store.files_.push_back(std::make_unique<SafetensorsFile>(SafetensorsFile::open(singlePath)));
  for (const auto& info : store.files_[0]->tensors()) store.entries_[info.name] = Entry{store.files_[0].get(), &info};
  return store;
}

const TensorStore::Entry* TensorStore::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> TensorStore::names() const {
  std::vector<std::string> out;
  for (const auto& entry : entries_) out.push_back(entry.first);
  return out;
}

}  // namespace tributary
