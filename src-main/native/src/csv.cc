// See csv.h. Every check here is "certainly fine, or ask JavaScript": a field
// that JavaScript would read differently (spaces to trim, a hexadecimal or
// exponent number, a quote) sends its whole line back.
#include "csv.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace dt {
namespace {

inline bool isDigit(uint8_t c) { return c >= '0' && c <= '9'; }

/** Bytes JavaScript's String.prototype.trim removes from a latin1 string. */
inline bool isTrimmed(uint8_t c) { return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0; }

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
int daysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/** 'YYYY-MM-DD' of a real date, else -1. */
int parseDate(const uint8_t* s, const uint8_t* e) {
  if (e - s != 10 || s[4] != '-' || s[7] != '-') return -1;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!isDigit(s[i])) return -1;
  const int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  const int m = (s[5] - '0') * 10 + (s[6] - '0');
  const int d = (s[8] - '0') * 10 + (s[9] - '0');
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return -1;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return -1;
  return daysFromCivil(y, m, d);
}

/**
 * A number as JavaScript's unary + reads it, for the forms read the same way here: up to 15 digits (exact), or
 * -?digits(.digits)? through strtod (correctly rounded, as JavaScript is). Anything else: false.
 */
bool parseNumber(const uint8_t* s, const uint8_t* e, double* out) {
  const long n = e - s;
  if (n <= 15) {
    double v = 0;
    const uint8_t* q = s;
    for (; q < e && isDigit(*q); q++) v = v * 10 + (*q - '0');
    if (q == e) {
      *out = v;
      return true;
    }
  }
  if (n > 48) return false;
  const uint8_t* q = s;
  if (q < e && *q == '-') q++;
  const uint8_t* digits = q;
  while (q < e && isDigit(*q)) q++;
  if (q == digits) return false;
  if (q < e && *q == '.') {
    const uint8_t* frac = ++q;
    while (q < e && isDigit(*q)) q++;
    if (q == frac) return false;
  }
  if (q != e) return false;
  char text[64];
  std::memcpy(text, s, (size_t)n);
  text[n] = 0;
  *out = std::strtod(text, nullptr);
  return true;
}

/**
 * Whether JavaScript's Number(text) could read the text as a number (then the JavaScript parser decides): an
 * optionally signed decimal, Infinity, or a 0x / 0o / 0b integer. Text with spaces at either end is not asked here.
 */
bool mayBeNumber(const uint8_t* s, const uint8_t* e) {
  const uint8_t* q = s;
  if (q < e && (*q == '+' || *q == '-')) q++;
  if (e - q == 8 && std::memcmp(q, "Infinity", 8) == 0) return true;
  if (q == s && e - s > 2 && s[0] == '0') {
    const uint8_t x = s[1] | 0x20;
    if (x == 'x' || x == 'o' || x == 'b') return true;
  }
  bool digits = false;
  while (q < e && isDigit(*q)) q++, digits = true;
  if (q < e && *q == '.') {
    q++;
    while (q < e && isDigit(*q)) q++, digits = true;
  }
  if (!digits) return false;
  if (q < e && (*q | 0x20) == 'e') {
    q++;
    if (q < e && (*q == '+' || *q == '-')) q++;
    const uint8_t* exp = q;
    while (q < e && isDigit(*q)) q++;
    if (q == exp) return false;
  }
  return q == e;
}

/** Text kept as a tag verbatim: nothing JSON.stringify would escape, nothing trim would cut. */
bool plainTag(const uint8_t* s, const uint8_t* e) {
  if (isTrimmed(s[0]) || isTrimmed(e[-1])) return false;
  for (const uint8_t* q = s; q < e; q++)
    if (*q < 0x20 || *q == '\\' || *q == '"') return false;
  return true;
}

}  // namespace

CsvRows::CsvRows(CsvPlan plan) : plan_(std::move(plan)), values_((size_t)std::max(plan_.nSlots, 1)) {
  fieldStart_.resize(plan_.roles.size());
  fieldEnd_.resize(plan_.roles.size());
}

void CsvRows::clear() {
  line.clear();
  day.clear();
  failure.clear();
  capacity.clear();
  blobEnd.clear();
  rawStart.clear();
  rawEnd.clear();
  blobs.clear();
  serials.clear();
  models.clear();
  tagRows.clear();
  tagJson.clear();
}

int CsvRows::parse(const uint8_t* buf, const int32_t* starts, const int32_t* ends, int from, int to, int firstLine,
                   int64_t rawBase) {
  for (int i = from; i < to; i++) {
    const int32_t s = starts[i], e = ends[i];
    if (s == e) continue;
    if (!row(buf + s, buf + e, firstLine + i, (uint32_t)(rawBase + s), (uint32_t)(rawBase + e))) return i;
  }
  return to;
}

bool CsvRows::row(const uint8_t* s, const uint8_t* e, int lineNo, uint32_t rs, uint32_t re) {
  const size_t ncols = plan_.roles.size();
  if (std::memchr(s, '"', (size_t)(e - s))) return false;
  // Split: exactly ncols fields, or the line is the JavaScript parser's to refuse.
  size_t col = 0;
  const uint8_t* p = s;
  for (;;) {
    const uint8_t* c = (const uint8_t*)std::memchr(p, ',', (size_t)(e - p));
    const uint8_t* fe = c ? c : e;
    if (col == ncols) return false;
    fieldStart_[col] = p;
    fieldEnd_[col] = fe;
    col++;
    if (!c) break;
    p = c + 1;
  }
  if (col != ncols) return false;
  double* values = values_.data();
  for (int k = 0; k < plan_.nSlots; k++) values[k] = NAN;
  int rowDay = -1, fail = -1;
  double cap = NAN;
  const uint8_t *serial = nullptr, *serialEnd = nullptr, *model = nullptr, *modelEnd = nullptr;
  rowTags_.clear();
  for (size_t k = 0; k < ncols; k++) {
    const int role = plan_.roles[k];
    const uint8_t *fs = fieldStart_[k], *fe = fieldEnd_[k];
    if (role >= 0) {
      if (fs == fe) continue;
      double v;
      if (parseNumber(fs, fe, &v)) {
        values[plan_.slots[(size_t)role]] = v;
        continue;
      }
      // Text: a SMART column's is a fault, another column's (a datacenter's name) a tag, as JSON.stringify has it.
      if (plan_.smart[(size_t)role] || !plainTag(fs, fe) || mayBeNumber(fs, fe)) return false;
      rowTags_.push_back(rowTags_.empty() ? '{' : ',');
      rowTags_ += plan_.tagKey[(size_t)role];
      rowTags_ += ":\"";
      rowTags_.append((const char*)fs, (size_t)(fe - fs));
      rowTags_.push_back('"');
    } else if (role == CSV_DATE) {
      rowDay = parseDate(fs, fe);
      if (rowDay < plan_.minDay || rowDay > plan_.maxDay) return false;
    } else if (role == CSV_SERIAL) {
      if (fs == fe || isTrimmed(fs[0]) || isTrimmed(fe[-1])) return false;
      serial = fs;
      serialEnd = fe;
    } else if (role == CSV_MODEL) {
      if (fs != fe && (isTrimmed(fs[0]) || isTrimmed(fe[-1]))) return false;
      model = fs;
      modelEnd = fe;
    } else if (role == CSV_FAILURE) {
      if (fe - fs != 1 || (fs[0] != '0' && fs[0] != '1')) return false;
      fail = fs[0] - '0';
    } else if (role == CSV_CAPACITY && fs != fe) {
      const uint8_t* q = fs[0] == '-' ? fs + 1 : fs;
      if (q == fe || fe - q > 18) return false;
      for (const uint8_t* r = q; r < fe; r++)
        if (!isDigit(*r)) return false;
      if (!parseNumber(fs, fe, &cap)) return false;
    }
  }
  if (!serial || fail < 0 || rowDay < 0) return false;
  if (!rowTags_.empty()) {
    tagRows.push_back((int32_t)line.size());
    tagJson += rowTags_;
    tagJson += "}\n";
  }
  append(lineNo, rowDay, fail, cap, (const char*)serial, (size_t)(serialEnd - serial), (const char*)model,
         model ? (size_t)(modelEnd - model) : 0, rs, re, values);
  return true;
}

void CsvRows::push(int lineNo, int rowDay, int fail, double cap, const double* values, const std::string& serial,
                   const std::string& model, uint32_t rs, uint32_t re, const std::string* tags) {
  if (tags) {
    tagRows.push_back((int32_t)line.size());
    tagJson += *tags;
    tagJson.push_back('\n');
  }
  append(lineNo, rowDay, fail, cap, serial.data(), serial.size(), model.data(), model.size(), rs, re, values);
}

void CsvRows::append(int lineNo, int rowDay, int fail, double cap, const char* serial, size_t serialLength,
                     const char* model, size_t modelLength, uint32_t rs, uint32_t re, const double* values) {
  line.push_back(lineNo);
  day.push_back(rowDay);
  failure.push_back((uint8_t)fail);
  capacity.push_back(cap);
  rawStart.push_back(rs);
  rawEnd.push_back(re);
  serials.append(serial, serialLength);
  serials.push_back('\n');
  models.append(model ? model : "", modelLength);
  models.push_back('\n');
  encode(values);
}

// readings-codec.ts's ReadingEncoder, byte for byte: u16 n (one past the highest filled slot), the presence and
// wide bitmaps, then each filled slot as u32 (a non-negative integer below 2^32) or f64, little-endian.
void CsvRows::encode(const double* values) {
  int n = plan_.nSlots;
  while (n > 0 && std::isnan(values[n - 1])) n--;
  const size_t mapBytes = ((size_t)n + 7) >> 3;
  const size_t at = blobs.size();
  blobs.resize(at + 2 + 2 * mapBytes + 8 * (size_t)n);
  uint8_t* b = blobs.data() + at;
  std::memset(b, 0, 2 + 2 * mapBytes);
  b[0] = (uint8_t)(n & 0xff);
  b[1] = (uint8_t)(n >> 8);
  uint8_t* present = b + 2;
  uint8_t* wide = b + 2 + mapBytes;
  uint8_t* out = b + 2 + 2 * mapBytes;
  for (int i = 0; i < n; i++) {
    const double v = values[i];
    if (std::isnan(v)) continue;
    present[i >> 3] |= (uint8_t)(1 << (i & 7));
    if (v >= 0 && v <= 4294967295.0 && std::floor(v) == v) {
      const uint32_t u = (uint32_t)v;
      out[0] = (uint8_t)u;
      out[1] = (uint8_t)(u >> 8);
      out[2] = (uint8_t)(u >> 16);
      out[3] = (uint8_t)(u >> 24);
      out += 4;
    } else {
      wide[i >> 3] |= (uint8_t)(1 << (i & 7));
      uint64_t bits;
      std::memcpy(&bits, &v, 8);
      for (int k = 0; k < 8; k++) out[k] = (uint8_t)(bits >> (8 * k));
      out += 8;
    }
  }
  blobs.resize((size_t)(out - blobs.data()));
  blobEnd.push_back((uint32_t)blobs.size());
}

}  // namespace dt
