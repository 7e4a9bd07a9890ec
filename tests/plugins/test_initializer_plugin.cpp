// An initializer plugin for the tests: fills parameters with `value`.
#include "initializers/initializer.h"

namespace {

struct FillOptions {
  double value = 0.0;
  static void declare(attune::config::Schema<FillOptions>& s) {
    s.field("value", &FillOptions::value, "the value").required();
  }
};

class FillInitializer : public attune::Initializer {
 public:
  using Options = FillOptions;
  FillInitializer(const Options& options, const attune::InitializerArgs&) : value_(options.value) {}
  bool apply(torch::Tensor& param, const attune::ParamInfo&) override {
    param.fill_(value_);
    return true;
  }

 private:
  double value_;
};

}  // namespace

ATTUNE_REGISTER_INITIALIZER("test_fill", FillInitializer, "fills with `value` (test plugin)")
