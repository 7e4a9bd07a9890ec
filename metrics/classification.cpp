// Classification metrics from the confusion matrix of argmax predictions, as
// scikit-learn's accuracy_score, precision_score, recall_score, f1_score and
// matthews_corrcoef compute them (zero_division: 0; averaged scores over the
// classes that occur as a target or a prediction, sklearn's default labels).
#include <cmath>

#include "core/config/schema.h"
#include "metrics/confusion.h"
#include "metrics/metric.h"

namespace attune {
namespace {

/// How precision, recall and F1 combine the classes (scikit-learn's `average`).
enum class Average { binary, macro, micro, weighted };
const config::EnumNames<Average>& enum_names(Average) {
  static const config::EnumNames<Average> names = {{Average::binary, "binary"},
                                                   {Average::macro, "macro"},
                                                   {Average::micro, "micro"},
                                                   {Average::weighted, "weighted"}};
  return names;
}

struct AveragedOptions {
  Average average = Average::binary;
  int64_t pos_label = 1;
  static void declare(config::Schema<AveragedOptions>& s) {
    s.field("average", &AveragedOptions::average,
            "binary (the pos_label class alone, two classes), or the classes' macro mean, micro sums, or mean "
            "weighted by support");
    s.field("pos_label", &AveragedOptions::pos_label, "the positive class id for average: binary").at_least(0);
  }
};

double ratio(double numerator, double denominator) {
  return denominator == 0 ? 0.0 : numerator / denominator;
}

/// A metric read off the confusion matrix of the data's classes.
class ConfusionMetric : public Metric {
 protected:
  explicit ConfusionMetric(const MetricArgs& args) : classes_(args.num_classes) {}
  ConfusionMatrix confusion(const Predictions& p) const { return ConfusionMatrix(p, classes_); }

 private:
  int64_t classes_;
};

struct Counts {
  double tp = 0, fp = 0, fn = 0;
};

enum class Score { precision, recall, f1 };

double score_of(Score score, const Counts& c) {
  const double precision = ratio(c.tp, c.tp + c.fp), recall = ratio(c.tp, c.tp + c.fn);
  switch (score) {
    case Score::precision:
      return precision;
    case Score::recall:
      return recall;
    case Score::f1:
      return ratio(2 * precision * recall, precision + recall);
  }
  return 0;
}

/// precision, recall or F1 with scikit-learn's averages.
template <Score kScore>
class AveragedScore : public ConfusionMetric {
 public:
  using Options = AveragedOptions;
  AveragedScore(const Options& options, const MetricArgs& args) : ConfusionMetric(args), options_(options) {
    if (options.average == Average::binary && args.num_classes > 2) {
      input_error("average: binary scores two classes; this data has {}: use macro, micro or weighted",
                  args.num_classes);
    }
  }

  double compute(const Predictions& p) const override {
    const ConfusionMatrix m = confusion(p);
    auto counts = [&](int64_t c) {
      return Counts{static_cast<double>(m.count(c, c)), static_cast<double>(m.predicted_count(c) - m.count(c, c)),
                    static_cast<double>(m.true_count(c) - m.count(c, c))};
    };
    if (options_.average == Average::binary) {
      return options_.pos_label < m.classes() ? score_of(kScore, counts(options_.pos_label)) : 0.0;
    }
    const auto present = m.present_classes();
    if (options_.average == Average::micro) {
      Counts sum;
      for (int64_t c : present) {
        const Counts one = counts(c);
        sum.tp += one.tp, sum.fp += one.fp, sum.fn += one.fn;
      }
      return score_of(kScore, sum);
    }
    double total = 0, weights = 0;
    for (int64_t c : present) {
      const double weight = options_.average == Average::weighted ? static_cast<double>(m.true_count(c)) : 1.0;
      total += weight * score_of(kScore, counts(c));
      weights += weight;
    }
    return ratio(total, weights);
  }

 private:
  Options options_;
};

class Accuracy : public ConfusionMetric {
 public:
  using Options = NoMetricOptions;
  Accuracy(const Options&, const MetricArgs& args) : ConfusionMetric(args) {}
  double compute(const Predictions& p) const override {
    const ConfusionMatrix m = confusion(p);
    return ratio(static_cast<double>(m.correct()), static_cast<double>(m.total()));
  }
};

/// Matthews' correlation coefficient, multiclass (Gorodkin's R_K), 0 where undefined.
class Mcc : public ConfusionMetric {
 public:
  using Options = NoMetricOptions;
  Mcc(const Options&, const MetricArgs& args) : ConfusionMetric(args) {}
  double compute(const Predictions& p) const override {
    const ConfusionMatrix m = confusion(p);
    const double s = static_cast<double>(m.total()), c = static_cast<double>(m.correct());
    double tp_sum = 0, t_sq = 0, p_sq = 0;
    for (int64_t k = 0; k < m.classes(); ++k) {
      const double t = static_cast<double>(m.true_count(k)), q = static_cast<double>(m.predicted_count(k));
      tp_sum += t * q, t_sq += t * t, p_sq += q * q;
    }
    const double cov_ytyp = c * s - tp_sum, cov_ypyp = s * s - p_sq, cov_ytyt = s * s - t_sq;
    if (cov_ypyp * cov_ytyt == 0) return 0.0;
    return cov_ytyp / std::sqrt(cov_ytyt * cov_ypyp);
  }
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_METRIC("accuracy", attune::Accuracy, "share of examples whose argmax is the label")
ATTUNE_REGISTER_METRIC("precision", attune::AveragedScore<attune::Score::precision>,
                       "tp / (tp + fp), averaged as scikit-learn's precision_score")
ATTUNE_REGISTER_METRIC("recall", attune::AveragedScore<attune::Score::recall>,
                       "tp / (tp + fn), averaged as scikit-learn's recall_score")
ATTUNE_REGISTER_METRIC("f1", attune::AveragedScore<attune::Score::f1>,
                       "harmonic mean of precision and recall, averaged as scikit-learn's f1_score")
ATTUNE_REGISTER_METRIC("mcc", attune::Mcc, "Matthews' correlation coefficient (multiclass), as scikit-learn's")
