// Standardising a cube of drive days for the networks (model/dataset.ts applyScaler, whose JS twin it is): a
// day's update scales every cell of 300,000 drives, and in JS that loop cost as much as the model.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dt {

/**
 * The cube: rows x days cells of f float32 values (NaN = missing), present[cell] = 1 where the drive reported.
 * Output feature g reads column src[g] (change[g]: its change since the day before, missing on a row's first day
 * or beside a day without a reading), compressed as sign(x) log1p(|x|) where log[g], then standardised with row
 * r's statistics: mean/sd at statsOfRow[r] * g_count (nStats sets of g_count). A missing value, and every
 * feature of a day without a reading, is left as `out` holds it (0, the training mean, when zeroed). Refuses
 * (std::invalid_argument) a column or a statistics set out of range.
 */
void scaleCells(const float* values, const uint8_t* present, size_t rows, int days, int f, const int32_t* src,
                const uint8_t* change, const uint8_t* log, int g_count, const int32_t* statsOfRow,
                const double* mean, const double* sd, int nStats, float* out);

}  // namespace dt
