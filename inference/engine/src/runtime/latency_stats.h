// Latency percentiles over a sliding window of recent samples (bounded memory however long the
// engine runs): time to first token and inter-token latency for stats.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace tributary {

class LatencyWindow {
 public:
  explicit LatencyWindow(size_t capacity = 4096) : capacity_(capacity) {}

  void add(double milliseconds) {
    if (samples_.size() < capacity_) {
      samples_.push_back(milliseconds);
    } else {
      samples_[next_] = milliseconds;
    }
    next_ = (next_ + 1) % capacity_;
  }

  // Nearest-rank percentile (p in [0, 100]); 0 when empty.
  double percentile(double p) const {
    if (samples_.empty()) return 0;
    std::vector<double> sorted = samples_;
    size_t rank = size_t(p / 100.0 * double(sorted.size() - 1) + 0.5);
    std::nth_element(sorted.begin(), sorted.begin() + long(rank), sorted.end());
    return sorted[rank];
  }

  size_t size() const { return samples_.size(); }

 private:
  size_t capacity_;
  size_t next_ = 0;
  std::vector<double> samples_;
};

}  // namespace tributary
