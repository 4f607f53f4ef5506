#include "cpu/lora_batch.h"

#include <algorithm>
#include <cstring>

#include "cpu/cpu_model.h"
#include "cpu/ops.h"

namespace tributary::cpu {

namespace {

// Sequences whose term at one position of their adapter lists is the same module and
// coefficient. Grouping only by position keeps each row's terms applied in its own order.
struct LoraGroup {
  const LoraModule* module;
  float coefficient;
  std::vector<int> sequences;  // indices into batch.sequences, in batch order
};

std::vector<LoraGroup> groupsAt(const ForwardBatch& batch, size_t position, int layer, Proj proj) {
  std::vector<LoraGroup> groups;
  for (size_t i = 0; i < batch.sequences.size(); ++i) {
    const BatchSequence& seq = batch.sequences[i];
    if (position >= seq.adapters.size()) continue;
    const AdapterTerm& term = seq.adapters[position];
    const LoraModule& module = term.adapter->layers[size_t(layer)][size_t(proj)];
    if (!module.present()) continue;
    const float coefficient = term.weight * term.adapter->scale;
    auto same = [&](const LoraGroup& g) { return g.module == &module && g.coefficient == coefficient; };
    auto group = std::find_if(groups.begin(), groups.end(), same);
    if (group == groups.end()) group = groups.insert(groups.end(), LoraGroup{&module, coefficient, {}});
    group->sequences.push_back(int(i));
  }
  return groups;
}

void applyGroup(const ForwardBatch& batch, const LoraGroup& group, const float* x, int in, float* y, int out,
                LoraScratch& s) {
  s.rows.clear();
  for (int i : group.sequences) {
    const BatchSequence& seq = batch.sequences[size_t(i)];
    for (int r = seq.firstRow; r < seq.firstRow + seq.numRows; ++r) s.rows.push_back(r);
  }
  const int n = int(s.rows.size()), first = s.rows.front();
  s.shrunk.resize(size_t(n) * size_t(group.module->a.dim(0)));
  if (s.rows.back() - first + 1 == n) {  // one contiguous block of rows: no copies
    loraShrink(x + int64_t(first) * in, n, group.module->a, s.shrunk.data());
    loraExpand(s.shrunk.data(), n, group.module->b, group.coefficient, y + int64_t(first) * out);
    return;
  }
  s.x.resize(size_t(n) * size_t(in));
  s.y.resize(size_t(n) * size_t(out));
  for (int k = 0; k < n; ++k) {
    std::memcpy(s.x.data() + int64_t(k) * in, x + int64_t(s.rows[size_t(k)]) * in, size_t(in) * 4);
    std::memcpy(s.y.data() + int64_t(k) * out, y + int64_t(s.rows[size_t(k)]) * out, size_t(out) * 4);
  }
  loraShrink(s.x.data(), n, group.module->a, s.shrunk.data());
  loraExpand(s.shrunk.data(), n, group.module->b, group.coefficient, s.y.data());
  for (int k = 0; k < n; ++k) std::memcpy(y + int64_t(s.rows[size_t(k)]) * out, s.y.data() + int64_t(k) * out, size_t(out) * 4);
}

}  // namespace

void applyLoraTerms(const ForwardBatch& batch, int layer, Proj proj, const float* x, int in, float* y, int out,
                    LoraScratch& scratch) {
  size_t positions = 0;
  for (const BatchSequence& seq : batch.sequences) positions = std::max(positions, seq.adapters.size());
  for (size_t position = 0; position < positions; ++position) {
    for (const LoraGroup& group : groupsAt(batch, position, layer, proj)) applyGroup(batch, group, x, in, y, out, scratch);
  }
}

}  // namespace tributary::cpu
