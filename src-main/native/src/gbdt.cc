// Gradient-boosted trees, histogram algorithm (see gbdt.h). The shapes:
//   x    (n, f) float32, row-major, NaN = missing      bins (n, f) uint8, row-major; feature c's missing bin is
//                                                      nb(c), one past its value bins 0..nb(c)-1 (nb <= 255)
//   gh   (n) gradient/hessian pairs of the current round
//   hist (sum over c of nb(c) + 1) gradient/hessian sums of one node's rows: feature c's bins at histOffset(c),
//        its missing slot last. Packed, not 256 per feature: the sample's 44 features need 3,059 cells, not
//        11,264, so a node's histogram stays in L1/L2 while rows are scattered into it (XGBoost packs its the same).
// Rows of a node are a range of `rows` (the round's sampled rows), partitioned in place as nodes split.
#include "gbdt.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "pool.h"

namespace dt {
namespace {


struct GH {
  double g = 0, h = 0;
};
/** A row's gradient pair, in float as XGBoost keeps it (half the memory traffic); sums are in double. */
struct GHf {
  float g = 0, h = 0;
};

/** splitmix64: a seeded stream of uniforms, the same on every platform. */
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  double uniform() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
  }
};

inline double softplus(double m) { return m > 0 ? m + std::log1p(std::exp(-m)) : std::log1p(std::exp(m)); }
inline double sigmoid(double m) { return 1 / (1 + std::exp(-m)); }

double focalGradient(double m, uint8_t y, const GbdtParams& p) {
  const double pr = sigmoid(m);
  if (y) return p.alpha * std::pow(1 - pr, p.gamma) * (p.gamma * pr * -softplus(-m) - (1 - pr));
  return (1 - p.alpha) * std::pow(pr, p.gamma) * (pr - p.gamma * (1 - pr) * -softplus(m));
}

/**
 * One feature's bin edges from the training values: bin(x) = the number of edges <= x, so "bin <= b" is exactly
 * "x < edges[b]" (the threshold a tree stores). Distinct values each get a bin when there are few enough; else the
 * edges are quantiles.
 */
std::vector<float> binEdges(const float* x, size_t n, int f, int col, int valueBins) {
  // Quantiles of at most BIN_SAMPLE rows, taken at an even stride (LightGBM samples 200,000 for its bins).
  constexpr size_t BIN_SAMPLE = 262144;
  const size_t stride = n > BIN_SAMPLE ? (n + BIN_SAMPLE - 1) / BIN_SAMPLE : 1;
  std::vector<float> v;
  v.reserve(n / stride + 1);
  for (size_t i = 0; i < n; i += stride) {
    const float a = x[i * f + col];
    if (a == a) v.push_back(a);
  }
  std::sort(v.begin(), v.end());
  std::vector<float> distinct;
  for (float a : v)
    if (distinct.empty() || a != distinct.back()) distinct.push_back(a);
  std::vector<float> edges;
  if ((int)distinct.size() <= valueBins) {
    if (distinct.size() > 1) edges.assign(distinct.begin() + 1, distinct.end());
    return edges;
  }
  // Plain quantiles: a value most rows share (a counter at 0) takes many of them, leaving fewer bins for the rest.
  // Measured against LightGBM's greedy bins (a bin closes at its share of the rows left; 6,131 bins on the sample's
  // features instead of 3,059): training loss after 100 rounds 0.00162 instead of 0.00169 (XGBoost: 0.00145), but
  // on the sample's 5-fold cross-validation detection at FAR 1% fell from 0.589/0.607/0.607 to 0.554/0.571/0.589 on
  // seeds 1-3 and AP from 0.558 to 0.542: the coarser bins generalise better on these drives.
  for (int q = 1; q < valueBins; q++) {
    const float e = v[(size_t)((double)q * (double)v.size() / valueBins)];
    if (e > v.front() && (edges.empty() || e > edges.back())) edges.push_back(e);
  }
  return edges;
}

/** x's bin under edges; a missing x gets the bin after the last value bin. */
inline uint8_t binOf(float a, const std::vector<float>& edges) {
  if (a != a) return (uint8_t)(edges.size() + 1);
  return (uint8_t)(std::upper_bound(edges.begin(), edges.end(), a) - edges.begin());
}

struct Split {
  double gain = -std::numeric_limits<double>::infinity();
  int feature = -1;
  int bin = 0;
  bool defaultLeft = false;
  double GL = 0, HL = 0;
  /** The children's weights (before the learning rate), within the node's bounds. */
  double wl = 0, wr = 0;
};

/** A node's range of weights under monotone constraints (unbounded without). */
struct Bounds {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  double clamp(double w) const { return std::min(hi, std::max(lo, w)); }
};

struct OpenNode {
  int id;  // index in the tree
  size_t begin, end;
  double G, H;
  int depth;
  Bounds bounds;
  std::vector<GH> hist;
  Split best;
};

class Booster {
 public:
  Booster(const float* x, const uint8_t* y, size_t n, int f, const GbdtParams& p)
      : x_(x), y_(y), n_(n), f_(f), p_(p), pool_(std::max(1, p.threads)), rng_(p.seed) {
    const int valueBins = std::max(2, std::min(p.maxBins, 255));
    edges_.resize(f);
    pool_.run(pool_.size(), [&](int part) {
      for (int c = part; c < f; c += pool_.size()) edges_[c] = binEdges(x, n, f, c, valueBins);
    });
    histOffset_.resize(f + 1, 0);
    missingBin_.resize(f);
    for (int c = 0; c < f; c++) {
      missingBin_[c] = (uint8_t)(edges_[c].size() + 1);
      histOffset_[c + 1] = histOffset_[c] + missingBin_[c] + 1;
    }
    bins_.resize(n * (size_t)f);
    binsByFeature_.resize(n * (size_t)f);
    pool_.run(pool_.size(), [&](int part) {
      const size_t lo = n * part / pool_.size(), hi = n * (part + 1) / pool_.size();
      for (size_t i = lo; i < hi; i++)
        for (int c = 0; c < f; c++) bins_[i * f + c] = binsByFeature_[c * n + i] = binOf(x[i * f + c], edges_[c]);
    });
    margin_.assign(n, 0.0);
    gh_.resize(n);
    rowsScratch_.resize(n);
  }

  /** Grows one tree on this round's gradients and adds it to the margins. */
  GbdtTree round() {
    computeGradients();
    sampleRows();
    sampleFeatures();
    GbdtTree t = growTree();
    updateMargins(t);
    return t;
  }

  /** The mean training loss after the last round (computed as the margins were updated). */
  double trainLoss() const { return trainLoss_; }

 private:
  /** Runs fn(lo, hi, part) over contiguous shares of the n rows, one per thread. */
  template <class Fn>
  void overRows(Fn fn) {
    const int parts = n_ < 16384 ? 1 : pool_.size();
    pool_.run(parts, [&](int part) { fn(n_ * part / parts, n_ * (part + 1) / parts, part); });
  }

  void computeGradients() {
    overRows([&](size_t lo, size_t hi, int) {
      std::vector<double> g(hi - lo), h(hi - lo);
      gbdtGradients(&margin_[lo], &y_[lo], hi - lo, p_, g.data(), h.data());
      for (size_t i = lo; i < hi; i++) gh_[i] = {(float)g[i - lo], (float)h[i - lo]};
    });
  }

  /** Adds the tree to every row's margin and sums the new loss (per-thread sums added in order: deterministic). */
  void updateMargins(const GbdtTree& t) {
    std::vector<double> loss(pool_.size(), 0.0);
    overRows([&](size_t lo, size_t hi, int part) {
      double s = 0;
      for (size_t i = lo; i < hi; i++) {
        margin_[i] += t.value[leafByBins(t, &bins_[i * f_])];
        s += gbdtLoss(margin_[i], y_[i], p_);
      }
      loss[part] = s;
    });
    double s = 0;
    for (double v : loss) s += v;
    trainLoss_ = s / std::max<size_t>(1, n_);
  }

  void sampleRows() {
    rows_.clear();
    for (size_t i = 0; i < n_; i++)
      if (p_.subsample >= 1 || rng_.uniform() < p_.subsample) rows_.push_back((uint32_t)i);
  }

  void sampleFeatures() {
    std::vector<int> all(f_);
    std::iota(all.begin(), all.end(), 0);
    const int k = std::max(1, (int)std::lround(f_ * std::min(1.0, p_.colsample)));
    for (int i = 0; i < k && p_.colsample < 1; i++) {
      const int j = i + (int)(rng_.uniform() * (f_ - i));
      std::swap(all[i], all[std::min(j, f_ - 1)]);
    }
    features_.assign(all.begin(), all.begin() + (p_.colsample < 1 ? k : f_));
    std::sort(features_.begin(), features_.end());
    // Only features with two value bins can split: the others' histograms are never read, so never summed.
    features_.erase(std::remove_if(features_.begin(), features_.end(), [&](int c) { return missingBin_[c] < 2; }),
                    features_.end());
    // Per summed feature: its column in a row of bins and where its histogram starts (every node of the tree).
    histColumn_.assign(features_.begin(), features_.end());
    histStart_.resize(features_.size());
    for (size_t k = 0; k < features_.size(); k++) histStart_[k] = (uint32_t)histOffset_[features_[k]];
  }

  /**
   * hist of rows_[begin, end) over this tree's features: each thread sums a contiguous part of the rows, then the
   * parts are added in order.
   */
  std::vector<GH> buildHist(size_t begin, size_t end) {
    const int parts = (end - begin) < 4096 ? 1 : pool_.size();
    const size_t cells = histOffset_[f_];
    std::vector<GH> out(cells);
    if (scratch_.size() < (size_t)parts) scratch_.resize(parts);
    const int nf = (int)features_.size();
    pool_.run(parts, [&](int part) {
      // Part 0 sums straight into the result; the others into their own buffers, added after in order.
      std::vector<GH>& mine = scratch_[part];
      if (part > 0) mine.assign(cells, GH{});
      GH* __restrict hist = part == 0 ? out.data() : mine.data();
      const size_t lo = begin + (end - begin) * part / parts, hi = begin + (end - begin) * (part + 1) / parts;
      const int f = f_;
      const uint32_t* __restrict rows = rows_.data();
      const GHf* __restrict ghs = gh_.data();
      const uint8_t* __restrict bins = bins_.data();
      const uint32_t* __restrict col = histColumn_.data();
      const uint32_t* __restrict off = histStart_.data();
      for (size_t k = lo; k < hi; k++) {
        const uint32_t r = rows[k];
        // The next rows' bins and gradients are on their way while this row is summed.
        if (k + 8 < hi) {
          __builtin_prefetch(&bins[(size_t)rows[k + 8] * f]);
          __builtin_prefetch(&ghs[rows[k + 8]]);
        }
        const double g = ghs[r].g, h = ghs[r].h;
        const uint8_t* b = &bins[(size_t)r * f];
        int j = 0;
        for (; j + 4 <= nf; j += 4) {
          GH& c0 = hist[off[j] + b[col[j]]];
          GH& c1 = hist[off[j + 1] + b[col[j + 1]]];
          GH& c2 = hist[off[j + 2] + b[col[j + 2]]];
          GH& c3 = hist[off[j + 3] + b[col[j + 3]]];
          c0.g += g, c0.h += h;
          c1.g += g, c1.h += h;
          c2.g += g, c2.h += h;
          c3.g += g, c3.h += h;
        }
        for (; j < nf; j++) {
          GH& c0 = hist[off[j] + b[col[j]]];
          c0.g += g, c0.h += h;
        }
      }
    });
    for (int part = 1; part < parts; part++)
      for (size_t i = 0; i < out.size(); i++) {
        out[i].g += scratch_[part][i].g;
        out[i].h += scratch_[part][i].h;
      }
    return out;
  }

  double weight(double G, double H, const Bounds& b) const { return b.clamp(-G / (H + p_.lambda)); }
  /** The loss reduction of giving weight w to a node of sums G, H: G^2/(H+lambda) at the unconstrained optimum. */
  double score(double G, double H, double w) const {
    // Unconstrained, the closed form (bit for bit what it always was); at a bound, the loss at that weight.
    return w == -G / (H + p_.lambda) ? G * G / (H + p_.lambda) : -(2 * G * w + (H + p_.lambda) * w * w);
  }

  int monotoneOf(int c) const { return p_.monotone.empty() ? 0 : p_.monotone[c]; }

  Split bestSplit(const std::vector<GH>& hist, double G, double H, const Bounds& bounds) const {
    Split best;
    const double parent = score(G, H, weight(G, H, bounds));
    for (int c : features_) {
      const GH* hf = &hist[histOffset_[c]];
      const int nb = missingBin_[c];
      const GH miss = hf[nb];
      const int mono = monotoneOf(c);
      double GL = 0, HL = 0;
      for (int b = 0; b + 1 < nb; b++) {
        GL += hf[b].g;
        HL += hf[b].h;
        for (int dl = 0; dl < (miss.h > 0 ? 2 : 1); dl++) {
          const double gl = GL + (dl ? miss.g : 0), hl = HL + (dl ? miss.h : 0);
          const double gr = G - gl, hr = H - hl;
          if (hl < p_.minChildWeight || hr < p_.minChildWeight) continue;
          const double wl = weight(gl, hl, bounds), wr = weight(gr, hr, bounds);
          if ((mono > 0 && wl > wr) || (mono < 0 && wl < wr)) continue;
          const double gain = 0.5 * (score(gl, hl, wl) + score(gr, hr, wr) - parent) - p_.minSplitGain;
          if (gain > best.gain) best = {gain, c, b, dl == 1, gl, hl, wl, wr};
        }
      }
    }
    return best;
  }

  /** The children's bounds: a constrained split caps the lower side and floors the higher at their midpoint. */
  std::pair<Bounds, Bounds> childBounds(const Bounds& parent, const Split& s) const {
    Bounds l = parent, r = parent;
    const int mono = monotoneOf(s.feature);
    const double mid = (s.wl + s.wr) / 2;
    if (mono > 0) l.hi = r.lo = mid;
    if (mono < 0) l.lo = r.hi = mid;
    return {l, r};
  }

  int addNode(GbdtTree& t, double G, double H, const Bounds& bounds) const {
    t.feature.push_back(-1);
    t.left.push_back(-1);
    t.right.push_back(-1);
    t.threshold.push_back(0);
    t.defaultLeft.push_back(0);
    t.value.push_back(weight(G, H, bounds) * p_.learningRate);
    t.gain.push_back(0);
    t.cover.push_back(H);
    t.bin.push_back(0);
    return (int)t.feature.size() - 1;
  }

  /** Whether a node could split at all: depth left, two rows, and hessian enough for two children (else no histogram). */
  bool mayGrow(int depth, size_t count, double H) const {
    return count >= 2 && (p_.maxDepth <= 0 || depth < p_.maxDepth) && H >= 2 * p_.minChildWeight;
  }

  GbdtTree growTree() {
    GbdtTree t;
    double G = 0, H = 0;
    for (uint32_t r : rows_) {
      G += gh_[r].g;
      H += gh_[r].h;
    }
    std::vector<OpenNode> open;
    OpenNode root{addNode(t, G, H, Bounds{}), 0, rows_.size(), G, H, 0, Bounds{}, {}, {}};
    if (mayGrow(0, rows_.size(), H)) {
      root.hist = buildHist(0, rows_.size());
      root.best = bestSplit(root.hist, G, H, root.bounds);
      open.push_back(std::move(root));
    }
    const bool leafWise = p_.maxLeaves > 0;
    int leaves = 1;
    while (!open.empty() && !(leafWise && leaves >= p_.maxLeaves)) {
      size_t pick = 0;
      if (leafWise)
        for (size_t i = 1; i < open.size(); i++)
          if (open[i].best.gain > open[pick].best.gain) pick = i;
      OpenNode nd = std::move(open[pick]);
      open.erase(open.begin() + (long)pick);
      if (nd.best.feature < 0 || !(nd.best.gain > 0)) continue;
      const Split& s = nd.best;
      const size_t mid = partition(nd.begin, nd.end, s);
      const auto [lb, rb] = childBounds(nd.bounds, s);
      const int l = addNode(t, s.GL, s.HL, lb), r = addNode(t, nd.G - s.GL, nd.H - s.HL, rb);
      t.feature[nd.id] = s.feature;
      t.threshold[nd.id] = edges_[s.feature][s.bin];
      t.bin[nd.id] = (uint8_t)s.bin;
      t.defaultLeft[nd.id] = s.defaultLeft;
      t.left[nd.id] = l;
      t.right[nd.id] = r;
      t.gain[nd.id] = s.gain;
      leaves++;
      OpenNode kids[2] = {{l, nd.begin, mid, s.GL, s.HL, nd.depth + 1, lb, {}, {}},
                          {r, mid, nd.end, nd.G - s.GL, nd.H - s.HL, nd.depth + 1, rb, {}, {}}};
      const bool grow0 = mayGrow(kids[0].depth, mid - nd.begin, kids[0].H);
      const bool grow1 = mayGrow(kids[1].depth, nd.end - mid, kids[1].H);
      if (!grow0 && !grow1) continue;
      // The smaller child's histogram is summed; the larger one's is the parent's minus it.
      const int small = (mid - nd.begin) <= (nd.end - mid) ? 0 : 1;
      kids[small].hist = buildHist(kids[small].begin, kids[small].end);
      kids[1 - small].hist = std::move(nd.hist);
      for (size_t i = 0; i < kids[small].hist.size(); i++) {
        kids[1 - small].hist[i].g -= kids[small].hist[i].g;
        kids[1 - small].hist[i].h -= kids[small].hist[i].h;
      }
      for (int k = 0; k < 2; k++) {
        if (!(k == 0 ? grow0 : grow1)) continue;
        kids[k].best = bestSplit(kids[k].hist, kids[k].G, kids[k].H, kids[k].bounds);
        open.push_back(std::move(kids[k]));
      }
    }
    return t;
  }

  /**
   * Splits rows_[begin, end) in place, left rows first, each side in its old order (ascending rows read the bins
   * in memory order); reads the split feature's column of bins, not every row's.
   */
  size_t partition(size_t begin, size_t end, const Split& s) {
    const uint8_t* col = &binsByFeature_[(size_t)s.feature * n_];
    const uint8_t missing = missingBin_[s.feature];
    size_t left = begin, right = 0;
    for (size_t k = begin; k < end; k++) {
      const uint32_t r = rows_[k];
      const uint8_t b = col[r];
      if (b == missing ? s.defaultLeft : b <= s.bin) rows_[left++] = r;
      else rowsScratch_[right++] = r;
    }
    std::copy(rowsScratch_.begin(), rowsScratch_.begin() + (long)right, rows_.begin() + (long)left);
    return left;
  }

  int leafByBins(const GbdtTree& t, const uint8_t* b) const {
    int node = 0;
    while (t.feature[node] >= 0) {
      const int c = t.feature[node];
      const uint8_t v = b[c];
      const bool left = v == missingBin_[c] ? t.defaultLeft[node] : v <= t.bin[node];
      node = left ? t.left[node] : t.right[node];
    }
    return node;
  }

  const float* x_;
  const uint8_t* y_;
  size_t n_;
  int f_;
  GbdtParams p_;
  Pool pool_;
  Rng rng_;
  std::vector<std::vector<float>> edges_;
  /** Per feature: its missing bin (= its count of value bins), and where its histogram starts (f + 1 entries). */
  std::vector<uint8_t> missingBin_;
  std::vector<size_t> histOffset_;
  std::vector<uint8_t> bins_;
  /** The same bins feature-major: a split's partition reads one column. */
  std::vector<uint8_t> binsByFeature_;
  std::vector<uint32_t> rowsScratch_;
  std::vector<double> margin_;
  std::vector<GHf> gh_;
  std::vector<uint32_t> rows_;
  std::vector<int> features_;
  /** This tree's summed features: their columns, and where each one's histogram starts. */
  std::vector<uint32_t> histColumn_, histStart_;
  std::vector<std::vector<GH>> scratch_;
  double trainLoss_ = 0;
};

/** A tree's output for one row of raw values (what scoring does; the same rule as the bins). */
double treeOutput(const GbdtTree& t, const float* row) {
  int node = 0;
  while (t.feature[node] >= 0) {
    const float v = row[t.feature[node]];
    const bool left = v != v ? t.defaultLeft[node] : v < t.threshold[node];
    node = left ? t.left[node] : t.right[node];
  }
  return t.value[node];
}

}  // namespace

double gbdtLoss(double m, uint8_t y, const GbdtParams& p) {
  if (p.loss == GBDT_FOCAL) {
    const double pr = sigmoid(m);
    return y ? p.alpha * std::pow(1 - pr, p.gamma) * softplus(-m) : (1 - p.alpha) * std::pow(pr, p.gamma) * softplus(m);
  }
  return (y ? p.positiveWeight : 1.0) * (softplus(m) - (y ? m : 0));
}

void gbdtGradients(const double* margin, const uint8_t* y, size_t n, const GbdtParams& p, double* g, double* h) {
  for (size_t i = 0; i < n; i++) {
    const double m = margin[i];
    if (p.loss == GBDT_FOCAL) {
      const double e = 1e-4 * std::max(1.0, std::fabs(m));
      g[i] = focalGradient(m, y[i], p);
      h[i] = std::max((focalGradient(m + e, y[i], p) - focalGradient(m - e, y[i], p)) / (2 * e), 1e-9);
    } else {
      const double w = y[i] ? p.positiveWeight : 1.0, pr = sigmoid(m);
      g[i] = w * (pr - y[i]);
      h[i] = std::max(w * pr * (1 - pr), 1e-16);
    }
  }
}

GbdtModel gbdtTrain(const float* x, const uint8_t* y, size_t n, int f, const float* xv, const uint8_t* yv,
                    size_t nv, const GbdtParams& p, const GbdtRoundHook& hook) {
  if (n == 0 || f <= 0) throw std::invalid_argument("gradient-boosted trees need at least one row and one feature");
  if (p.maxDepth <= 0 && p.maxLeaves <= 0) throw std::invalid_argument("set maxDepth or maxLeaves");
  if (!(p.learningRate > 0) || p.rounds < 1) throw std::invalid_argument("learningRate > 0 and rounds >= 1");
  if (!p.monotone.empty() && p.monotone.size() != (size_t)f)
    throw std::invalid_argument("monotone constraints: one per feature");
  Booster booster(x, y, n, f, p);
  GbdtModel m;
  std::vector<double> valMargin(nv, 0.0);
  double bestVal = std::numeric_limits<double>::infinity();
  int bestRound = -1;
  for (int r = 0; r < p.rounds; r++) {
    m.trees.push_back(booster.round());
    double val = std::numeric_limits<double>::quiet_NaN();
    if (nv > 0) {
      double s = 0;
      for (size_t i = 0; i < nv; i++) {
        valMargin[i] += treeOutput(m.trees.back(), &xv[i * f]);
        s += gbdtLoss(valMargin[i], yv[i], p);
      }
      val = s / nv;
      if (val < bestVal) {
        bestVal = val;
        bestRound = r;
      }
    }
    m.trainLoss.push_back(booster.trainLoss());
    m.valLoss.push_back(val);
    if (hook && !hook(r, m.trainLoss.back(), val)) {
      m.cancelled = true;
      break;
    }
    if (nv > 0 && p.earlyStopRounds > 0 && r - bestRound >= p.earlyStopRounds) break;
  }
  m.bestRounds = nv > 0 && p.earlyStopRounds > 0 && bestRound >= 0 ? bestRound + 1 : (int)m.trees.size();
  m.trees.resize(m.bestRounds);
  return m;
}

}  // namespace dt
