// The training losses of the native engine, as TensorFlow.js computes them (src-main/engine/model/losses.ts):
// mean squared error, weighted binary cross-entropy, focal loss and hard-negative mining, each with its gradient
// with respect to every output. Probabilities are clipped to [1e-7, 1 - 1e-7]; outside, the gradient is 0.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "net.h"

namespace dt {

/**
 * The batch's loss over n windows of `per` outputs each (o: the outputs; x: the inputs, an autoencoder's targets;
 * y: a classifier's labels per window); with d, the gradient of the loss with respect to each output into d.
 */
template <class R>
double batchLoss(const NetSpec& sp, const R* o, const R* x, const uint8_t* y, int n, size_t per, R* d) {
  const size_t E = (size_t)n * per;
  const R lo = (R)1e-7, hi = R(1) - (R)1e-7;
  auto target = [&](size_t e) -> double { return sp.targetIsInput ? (double)x[e] : (y[e / per] ? 1.0 : 0.0); };
  double total = 0;
  switch (sp.loss) {
    case LOSS_MSE:
      for (size_t e = 0; e < E; e++) {
        const double diff = (double)o[e] - target(e);
        total += diff * diff;
        if (d) d[e] = (R)(2 * diff / E);
      }
      return total / E;
    case LOSS_WEIGHTED_BCE:
    case LOSS_FOCAL: {
      for (size_t e = 0; e < E; e++) {
        const double t = target(e);
        const bool inside = o[e] >= lo && o[e] <= hi;
        const double p = (double)std::min(std::max(o[e], lo), hi);
        double l, dp;
        if (sp.loss == LOSS_WEIGHTED_BCE) {
          const double w = 1 + t * (sp.positiveWeight - 1);
          l = -w * (t * std::log(p) + (1 - t) * std::log(1 - p));
          dp = -w * (t / p - (1 - t) / (1 - p));
        } else {
          const double pt = t * p + (1 - t) * (1 - p), at = t * sp.alpha + (1 - t) * (1 - sp.alpha);
          const double q = 1 - pt, g = sp.gamma;
          l = -at * std::pow(q, g) * std::log(pt);
          const double dpt = -at * ((g == 0 ? 0 : -g * std::pow(q, g - 1) * std::log(pt)) + std::pow(q, g) / pt);
          dp = dpt * (2 * t - 1);
        }
        total += l;
        if (d) d[e] = inside ? (R)(dp / E) : R(0);
      }
      return total / E;
    }
    case LOSS_HARD_NEGATIVE: {
      std::vector<double> l(E), neg;
      size_t positives = 0;
      for (size_t e = 0; e < E; e++) {
        const double t = target(e), p = (double)std::min(std::max(o[e], lo), hi);
        l[e] = -(t * std::log(p) + (1 - t) * std::log(1 - p));
        if (t >= 0.5)
          positives++;
        else
          neg.push_back(l[e]);
      }
      const size_t k = std::min(neg.size(), std::max<size_t>(1, positives) * (size_t)sp.ratio);
      std::sort(neg.begin(), neg.end(), std::greater<double>());
      const double thr = k > 0 ? neg[k - 1] : INFINITY;
      size_t kept = 0;
      for (size_t e = 0; e < E; e++)
        if (target(e) >= 0.5 || l[e] >= thr) kept++;
      kept = std::max<size_t>(kept, 1);
      for (size_t e = 0; e < E; e++) {
        const double t = target(e);
        const bool keep = t >= 0.5 || l[e] >= thr;
        if (keep) total += l[e];
        if (d) {
          const bool inside = o[e] >= lo && o[e] <= hi;
          const double p = (double)o[e];
          d[e] = keep && inside ? (R)(-(t / p - (1 - t) / (1 - p)) / kept) : R(0);
        }
      }
      return total / kept;
    }
  }
  return NAN;
  }

}  // namespace dt
