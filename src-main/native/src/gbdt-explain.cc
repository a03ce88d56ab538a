// Scoring a tree ensemble with its path contributions, both cores: what "why flagged" and every tree scoring read.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "gbdt.h"
#include "pool.h"

namespace dt {
namespace {

/**
 * One node packed for the walk (one cache line holds one and a half): where a row goes and what each way adds to
 * its split feature's contribution; a leaf (feature -1) keeps its output in `toLeft`.
 */
struct WalkNode {
  int32_t feature;
  float threshold;
  int32_t left, right;
  double toLeft, toRight;
  uint8_t defaultLeft;
};

/** Refuses a forest whose arrays disagree or whose nodes point outside their tree: the walk reads no further. */
void checkForest(const GbdtForest& m) {
  const size_t nodes = m.feature.size();
  if (m.offset.empty() || (size_t)m.offset.back() != nodes || m.left.size() != nodes || m.right.size() != nodes ||
      m.threshold.size() != nodes || m.defaultLeft.size() != nodes || m.value.size() != nodes)
    throw std::invalid_argument("the forest's arrays disagree on its node count");
  for (size_t t = 0; t + 1 < m.offset.size(); t++) {
    const int32_t lo = m.offset[t], hi = m.offset[t + 1];
    if (lo < 0 || hi <= lo || (size_t)hi > nodes) throw std::invalid_argument("a tree's offset is out of range");
    for (int32_t k = lo; k < hi; k++) {
      if (m.feature[k] >= m.features)
        throw std::invalid_argument("a node splits on feature " + std::to_string(m.feature[k]) + " of a forest of " +
                                    std::to_string(m.features) + " features");
      if (m.feature[k] >= 0 && (m.left[k] <= 0 || m.right[k] <= 0 || m.left[k] >= hi - lo || m.right[k] >= hi - lo))
        throw std::invalid_argument("a tree's node points outside it");
    }
  }
}

std::vector<WalkNode> packNodes(const GbdtForest& m) {
  std::vector<WalkNode> nodes(m.feature.size());
  for (size_t t = 0; t + 1 < m.offset.size(); t++) {
    const int32_t base = m.offset[t];
    for (int32_t k = base; k < m.offset[t + 1]; k++) {
      WalkNode& w = nodes[k];
      w.feature = m.feature[k];
      w.threshold = m.threshold[k];
      w.defaultLeft = m.defaultLeft[k];
      if (w.feature < 0) {
        w.left = w.right = -1;
        w.toLeft = m.value[k];
        w.toRight = 0;
        continue;
      }
      w.left = base + m.left[k];
      w.right = base + m.right[k];
      w.toLeft = m.value[w.left] - m.value[k];
      w.toRight = m.value[w.right] - m.value[k];
    }
  }
  return nodes;
}

// Rows walk each tree together, a block at a time: the tree's nodes stay in the first-level cache across the block.
constexpr size_t BLOCK = 64;

}  // namespace

void gbdtExplain(const GbdtForest& m, const float* x, size_t n, const int32_t* group, int groups, double* margin,
                 double* groupSums, int threads) {
  checkForest(m);
  const int F = m.features;
  for (int f = 0; f < F; f++)
    if (group[f] < -1 || group[f] >= groups) throw std::invalid_argument("a feature's group is out of range");
  const std::vector<WalkNode> nodes = packNodes(m);
  const size_t trees = m.offset.empty() ? 0 : m.offset.size() - 1;
  std::fill(groupSums, groupSums + n * (size_t)groups, 0.0);
  const size_t blocks = (n + BLOCK - 1) / BLOCK;
  const int parts = (int)std::max<size_t>(1, std::min<size_t>((size_t)std::max(1, threads), blocks / 4));
  Pool pool(parts);
  pool.run(parts, [&](int part) {
    for (size_t blk = blocks * part / parts; blk < blocks * (part + 1) / parts; blk++) {
      const size_t lo = blk * BLOCK, hi = std::min(n, lo + BLOCK);
      for (size_t i = lo; i < hi; i++) margin[i] = m.baseMargin;
      for (size_t t = 0; t < trees; t++) {
        const WalkNode* root = &nodes[m.offset[t]];
        for (size_t i = lo; i < hi; i++) {
          const float* row = x + i * F;
          double* sums = groupSums + i * groups;
          // Along the path, each split's change of the expected output goes to its feature (Saabas); the leaf's
          // output is the root's plus those changes, so the margin is the sum of the leaves as ever.
          const WalkNode* node = root;
          while (node->feature >= 0) {
            const float v = row[node->feature];
            const bool left = v != v ? node->defaultLeft != 0 : v < node->threshold;
            const int g = group[node->feature];
            if (g >= 0) sums[g] += left ? node->toLeft : node->toRight;
            node = &nodes[left ? node->left : node->right];
          }
          margin[i] += node->toLeft;
        }
      }
    }
  });
}

}  // namespace dt
