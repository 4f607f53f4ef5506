// All tensors of a checkpoint directory: one model.safetensors, or shards listed by
// model.safetensors.index.json ("weight_map": tensor name -> shard file in the same directory).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "format/safetensors.h"

namespace tributary {

class TensorStore {
 public:
  static TensorStore openDirectory(const std::string& directory);

  struct Entry {
    const SafetensorsFile* file;
    const TensorInfo* info;
  };
  const Entry* find(const std::string& name) const;
  std::vector<std::string> names() const;
  std::vector<float> readFloat(const Entry& entry) const { return entry.file->readFloat(*entry.info); }

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, Entry> entries_;
};

}  // namespace tributary
