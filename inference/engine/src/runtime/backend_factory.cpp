// The one place that knows whether the CUDA backend was compiled in (TRIBUTARY_HAVE_CUDA is
// defined for this file alone, by CMake, when -DTRIBUTARY_CUDA=ON).
#include "runtime/forward_model.h"

#include "util/error.h"

#ifdef TRIBUTARY_HAVE_CUDA
#include "cuda_model.h"
#endif

namespace tributary {

namespace {

Backend& defaultBackendSetting() {
  static Backend backend = Backend::kCpu;
  return backend;
}

class CpuForwardModel final : public ForwardModel {
 public:
  CpuForwardModel(std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kvShape)
      : model_(std::move(model), kvShape) {}
  void forward(const cpu::ForwardBatch& batch, std::vector<float>& logits) override { model_.forward(batch, logits); }

 private:
  cpu::CpuModel model_;
};

}  // namespace

Backend parseBackend(const std::string& name) {
  if (name == "cpu") return Backend::kCpu;
  if (name == "cuda") return Backend::kCuda;
  fail(ErrorCode::kInvalidRequest, "unknown backend \"" + name + "\" (expected cpu or cuda)");
}

const char* backendName(Backend backend) { return backend == Backend::kCuda ? "cuda" : "cpu"; }

bool backendAvailable(Backend backend) {
#ifdef TRIBUTARY_HAVE_CUDA
  (void)backend;
  return true;
#else
  return backend == Backend::kCpu;
#endif
}

Backend defaultBackend() { return defaultBackendSetting(); }
void setDefaultBackend(Backend backend) { defaultBackendSetting() = backend; }

std::unique_ptr<ForwardModel> makeForwardModel(Backend backend, std::shared_ptr<const LoadedModel> model,
                                               const cpu::KvCacheShape& kvShape, int adapterSlots) {
  if (backend == Backend::kCpu) return std::make_unique<CpuForwardModel>(std::move(model), kvShape);
#ifdef TRIBUTARY_HAVE_CUDA
  return cuda::makeCudaForwardModel(std::move(model), kvShape, adapterSlots);
#else
  (void)adapterSlots;
  fail(ErrorCode::kInvalidRequest, "this tributary-engine was built without CUDA (rebuild with -DTRIBUTARY_CUDA=ON)");
#endif
}

}  // namespace tributary
