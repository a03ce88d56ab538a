// Gradient-boosted trees by the histogram algorithm (as XGBoost's and LightGBM's `hist`): features quantised once
// into at most 255 bins, gradient/hessian histograms per node with the sibling by subtraction, depth-wise or
// leaf-wise growth, missing values sent the learnt default way. Deterministic for a seed and a thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace dt {

enum GbdtLoss { GBDT_LOGISTIC, GBDT_FOCAL };

struct GbdtParams {
  int rounds = 300;
  double learningRate = 0.1;
  /** Depth limit (0 = none; then maxLeaves must be set). */
  int maxDepth = 6;
  /** > 0: leaf-wise growth (best gain first) up to this many leaves. */
  int maxLeaves = 0;
  double minChildWeight = 1;
  double lambda = 1;
  double minSplitGain = 0;
  double subsample = 1;
  double colsample = 1;
  GbdtLoss loss = GBDT_LOGISTIC;
  /** Logistic: the weight of a positive row. */
  double positiveWeight = 1;
  double gamma = 2, alpha = 0.25;
  /** Stop after this many rounds without a better validation loss (0 = never). */
  int earlyStopRounds = 30;
  int maxBins = 255;
  /**
   * Per feature (empty = none): +1 the output may only rise with the feature, -1 only fall, 0 free (XGBoost's
   * monotone_constraints, its basic method: a split must keep its children's weights in order, and they bound
   * their subtrees at the midpoint of the two).
   */
  std::vector<int8_t> monotone;
  int threads = 1;
  uint64_t seed = 1;
};

/** One tree, nodes in creation order (0 is the root); a leaf has feature -1. */
struct GbdtTree {
  std::vector<int32_t> feature, left, right;
  /** Go left when x < threshold; a missing x goes left when defaultLeft. */
  std::vector<float> threshold;
  std::vector<uint8_t> defaultLeft;
  /** The node's weight (learning rate applied): a leaf's output, an internal node's expected output. */
  std::vector<double> value;
  /** The split's loss reduction (0 for leaves) and the node's hessian sum. */
  std::vector<double> gain, cover;
  /** Training only: the bin a split's threshold closes (rows with bin <= it go left). */
  std::vector<uint8_t> bin;
};

struct GbdtModel {
  std::vector<GbdtTree> trees;
  /** Per round: mean training loss, validation loss (NaN without validation rows). */
  std::vector<double> trainLoss, valLoss;
  /** Rounds kept: the best validation round + 1 (all rounds without validation or early stopping). */
  int bestRounds = 0;
  bool cancelled = false;
};

/** Called after each round with (round, train loss, validation loss); returning false stops training. */
using GbdtRoundHook = std::function<bool(int, double, double)>;

/**
 * Trains on n rows of f features (row-major float32, NaN = missing) with labels y; xv/yv (nv rows) are the
 * validation rows for early stopping (nv may be 0).
 */
GbdtModel gbdtTrain(const float* x, const uint8_t* y, size_t n, int f, const float* xv, const uint8_t* yv,
                    size_t nv, const GbdtParams& p, const GbdtRoundHook& hook);

/** A trained ensemble for scoring: every tree's nodes in one set of arrays, tree t at offset[t]..offset[t+1]-1. */
struct GbdtForest {
  int features = 0;
  double baseMargin = 0;
  std::vector<int32_t> offset, feature, left, right;
  std::vector<float> threshold;
  std::vector<uint8_t> defaultLeft;
  std::vector<double> value;
};

/**
 * Margins of n rows (row-major float32, NaN = missing) and their path contributions summed per group: feature f's
 * share goes to groupSums[row * groups + group[f]], or nowhere when group[f] is -1 (the roots' outputs, the bias,
 * go nowhere either). A row's groups with every feature in one group add up to its margin less the bias. A forest
 * whose arrays disagree or whose nodes point outside their tree is refused (std::invalid_argument).
 */
void gbdtExplain(const GbdtForest& m, const float* x, size_t n, const int32_t* group, int groups, double* margin,
                 double* groupSums, int threads);

/** The loss's gradient and hessian with respect to the margin, per row (what training uses). */
void gbdtGradients(const double* margin, const uint8_t* y, size_t n, const GbdtParams& p, double* g, double* h);

/** The loss per row (for tests of the gradients, and the curves). */
double gbdtLoss(double margin, uint8_t y, const GbdtParams& p);

}  // namespace dt
