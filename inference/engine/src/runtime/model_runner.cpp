#include "runtime/model_runner.h"

namespace tributary {

ModelRunner::ModelRunner(std::shared_ptr<const LoadedModel> model, std::unique_ptr<ForwardModel> forward,
                         const cpu::KvCacheShape& kvShape, const AdapterCache& adapters)
    : loaded_(std::move(model)), model_(std::move(forward)), adapters_(adapters), blockSize_(kvShape.blockSize) {}

RunnerOutput ModelRunner::run(const std::vector<ScheduledSequence>& scheduled) {
  cpu::ForwardBatch batch;
  RunnerOutput output;
  int sampling = 0;
  for (const ScheduledSequence& item : scheduled) {
    const Sequence& seq = *item.seq;
    cpu::BatchSequence entry;
    entry.firstRow = int(batch.tokens.size());
    entry.numRows = item.numTokens;
    entry.blockTable = seq.blockTable.data();
    for (size_t i = 0; i < seq.adapters.size(); ++i) {
      entry.adapters.push_back({&adapters_.slotAdapter(seq.adapterSlots[i]), seq.adapters[i].weight});
    }
    const int first = seq.numComputedTokens;
    for (int p = first; p < first + item.numTokens; ++p) {
      batch.tokens.push_back(seq.tokens[size_t(p)]);
      batch.positions.push_back(p);
      batch.slots.push_back(int64_t(seq.blockTable[size_t(p / blockSize_)]) * blockSize_ + p % blockSize_);
    }
    // A sequence samples once this step covers its last token (the end of its prefill, or a decode).
    entry.needsLogits = first + item.numTokens == int(seq.tokens.size());
    output.logitsRow.push_back(entry.needsLogits ? sampling++ : -1);
    batch.sequences.push_back(std::move(entry));
  }
  model_->forward(batch, output.logits);
  return output;
}

}  // namespace tributary
