// See scale.h. Bit for bit what the JS applyScaler computes, but for log1p (glibc's, not V8's fdlibm: they can
// differ in the last bit of a double, which rounding to float32 almost always hides).
#include "scale.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>
#include <algorithm>

namespace dt {

void scaleCells(const float* values, const uint8_t* present, size_t rows, int days, int f, const int32_t* src,
                const uint8_t* change, const uint8_t* log, int g_count, const int32_t* statsOfRow,
                const double* mean, const double* sd, int nStats, float* out) {
  for (int g = 0; g < g_count; g++)
    if (src[g] < 0 || src[g] >= f) throw std::invalid_argument("feature " + std::to_string(g) + ": no such column");
  for (size_t r = 0; r < rows; r++)
    if (statsOfRow[r] < 0 || statsOfRow[r] >= nStats)
      throw std::invalid_argument("row " + std::to_string(r) + ": no such statistics");
  const float missing = std::numeric_limits<float>::quiet_NaN();
  // A counter mostly reads the same from one day to the next (and mostly 0): its scaled value is reused rather than
  // computed again (log1p is most of the cost). The same row has the same statistics: the same result.
  std::vector<float> lastRaw(g_count), lastOut(g_count);
  for (size_t r = 0; r < rows; r++) {
    const double* m = mean + (size_t)statsOfRow[r] * g_count;
    const double* s = sd + (size_t)statsOfRow[r] * g_count;
    std::fill(lastRaw.begin(), lastRaw.end(), missing);
    for (int d = 0; d < days; d++) {
      const size_t cell = r * days + d;
      if (!present[cell]) continue;
      const float* in = values + cell * f;
      float* o = out + cell * (size_t)g_count;
      const bool hasDayBefore = d > 0 && present[cell - 1];
      for (int g = 0; g < g_count; g++) {
        const float raw = !change[g]       ? in[src[g]]
                          : hasDayBefore ? (float)((double)in[src[g]] - (double)in[src[g] - f])
                                         : missing;
        if (raw != raw) continue;
        if (raw == lastRaw[g]) {
          o[g] = lastOut[g];
          continue;
        }
        const double v = log[g] ? (raw > 0 ? 1.0 : raw < 0 ? -1.0 : 0.0) * std::log1p(std::fabs((double)raw)) : raw;
        o[g] = lastOut[g] = (float)((v - m[g]) / s[g]);
        lastRaw[g] = raw;
      }
    }
  }
}

}  // namespace dt
