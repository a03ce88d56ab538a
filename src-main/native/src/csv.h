// The importer's fast path (src-main/engine/import/row-parser.ts): plain
// Backblaze rows parsed and encoded straight from the bytes. It takes only
// rows it is sure of and hands any other line back to the JavaScript parser,
// which owns every refusal and its message, so both paths give the same batch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dt {

/** What each CSV column is for (row-parser.ts's ROLE_*); a numeric column carries its index into the slots. */
enum CsvRole { CSV_IGNORE = -1, CSV_DATE = -2, CSV_SERIAL = -3, CSV_MODEL = -4, CSV_CAPACITY = -5, CSV_FAILURE = -6 };

struct CsvPlan {
  std::vector<int> roles;
  /** Numeric column k's slot in a reading's values. */
  std::vector<int> slots;
  int nSlots = 0;
  /** Numeric column k holds a SMART value (text there is refused) or not (text there is kept as a tag). */
  std::vector<uint8_t> smart;
  /** Numeric column k's name as a JSON string (quotes included), for the tags. */
  std::vector<std::string> tagKey;
  /** Days (since 1970-01-01) a reading may carry; a date outside is the JavaScript parser's to refuse. */
  int minDay = 0, maxDay = 0;
};

/** One batch of parsed rows, in the layout of row-parser.ts's ParsedBatch. */
class CsvRows {
 public:
  explicit CsvRows(CsvPlan plan);

  /**
   * Takes lines [from, to) of buf (line i is buf[starts[i] .. ends[i])) while each is a plain row (empty lines
   * are skipped); returns the index of the first line it leaves to the caller, or `to`.
   */
  int parse(const uint8_t* buf, const int32_t* starts, const int32_t* ends, int from, int to, int firstLine,
            int64_t rawBase);

  /** A row the caller parsed: values[0 .. nSlots) with NaN for missing. */
  void push(int line, int day, int failure, double capacity, const double* values, const std::string& serial,
            const std::string& model, uint32_t rawStart, uint32_t rawEnd, const std::string* tags);

  size_t rows() const { return line.size(); }
  void clear();

  std::vector<int32_t> line, day;
  std::vector<uint8_t> failure;
  std::vector<double> capacity;
  std::vector<uint32_t> blobEnd, rawStart, rawEnd;
  std::vector<uint8_t> blobs;
  /** Each row's serial and model followed by '\n'. */
  std::string serials, models;
  /** Rows with text in non-SMART numeric columns, and each one's JSON object of them followed by '\n'. */
  std::vector<int32_t> tagRows;
  std::string tagJson;

 private:
  bool row(const uint8_t* s, const uint8_t* e, int lineNo, uint32_t rawStart, uint32_t rawEnd);
  /** One row's columns (its tags, if any, already added). */
  void append(int line, int day, int failure, double capacity, const char* serial, size_t serialLength,
              const char* model, size_t modelLength, uint32_t rawStart, uint32_t rawEnd, const double* values);
  void encode(const double* values);

  CsvPlan plan_;
  std::vector<double> values_;
  std::vector<const uint8_t*> fieldStart_, fieldEnd_;
  std::string rowTags_;
};

}  // namespace dt
