// A job's output directory: job.json (the job's identity, jobIdentity) and its checkpoints,
// `checkpoint-<step>` as the HF Trainer names them. A restarted job resumes from the newest
// complete checkpoint (a `.partial` one, cut by a crash, is ignored) and only if job.json says it
// is the same job: resuming another job's state would silently train something else.
#pragma once

#include <optional>
#include <string>

#include "util/json.h"

namespace tributary::train {

struct SavedCheckpoint {
  std::string path;
  int step = 0;
  std::string adapterId;  // the PEFT adapter's id (PROTOCOL.md, "Adapter ids")
};

std::string checkpointPath(const std::string& outputDir, int step);

// Creates the directory and writes job.json, or checks an existing one equals `identity`.
// Throws kInvalidRequest when the directory belongs to another job (or to no job but is not
// empty), kIo when it cannot be written.
void claimOutputDir(const std::string& outputDir, const Json& identity);

std::optional<SavedCheckpoint> latestCheckpoint(const std::string& outputDir);

// Removes every checkpoint but `keep` and the `keepCount - 1` newest others (TracIn reads a
// job's last few checkpoints: influence.h), and leftover `.partial` directories.
void pruneCheckpoints(const std::string& outputDir, const std::string& keep, int keepCount = 1);

}  // namespace tributary::train
