// Node-API face of the importer's fast path (csv.h): the class CsvRows, one
// per batch builder (src-main/engine/import/native-rows.ts).
#include <napi.h>

#include <cstring>
#include <memory>
#include <algorithm>
#include <string>

#include "csv.h"

namespace {

template <class T>
T* elements(const Napi::Value& v, napi_typedarray_type type, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throw std::invalid_argument(std::string(what) + " has the wrong element type");
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  return reinterpret_cast<T*>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

size_t lengthOf(const Napi::Value& v) { return v.As<Napi::TypedArray>().ElementLength(); }

template <class T, class A>
A copyOut(Napi::Env env, const std::vector<T>& v) {
  A a = A::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(T));
  return a;
}

/** The rows' serials or models joined by '\n' (each kept with a trailing '\n'), as a latin1 string. */
Napi::Value joined(Napi::Env env, const std::string& s) {
  napi_value out;
  const size_t n = s.empty() ? 0 : s.size() - 1;
  NAPI_THROW_IF_FAILED(env, napi_create_string_latin1(env, s.data(), n, &out), Napi::Value());
  return Napi::Value(env, out);
}

std::string latin1(const Napi::Value& v) {
  Napi::Env env = v.Env();
  size_t n = 0;
  NAPI_THROW_IF_FAILED(env, napi_get_value_string_latin1(env, v, nullptr, 0, &n), std::string());
  std::string s(n + 1, '\0');
  NAPI_THROW_IF_FAILED(env, napi_get_value_string_latin1(env, v, s.data(), n + 1, &n), std::string());
  s.resize(n);
  return s;
}

class CsvRowsWrap : public Napi::ObjectWrap<CsvRowsWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CsvRows",
                       {
                           InstanceMethod("parse", &CsvRowsWrap::Parse),
                           InstanceMethod("push", &CsvRowsWrap::Push),
                           InstanceMethod("rows", &CsvRowsWrap::Rows),
                           InstanceMethod("take", &CsvRowsWrap::Take),
                       });
  }

  /** new CsvRows(roles: Int32Array, slots: Int32Array, nSlots, minDay, maxDay, smart: Uint8Array, tagKeys) */
  explicit CsvRowsWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CsvRowsWrap>(info) {
    Napi::Env env = info.Env();
    try {
      dt::CsvPlan plan;
      const int32_t* roles = elements<int32_t>(info[0], napi_int32_array, "roles (Int32Array)");
      plan.roles.assign(roles, roles + lengthOf(info[0]));
      const int32_t* slots = elements<int32_t>(info[1], napi_int32_array, "slots (Int32Array)");
      plan.slots.assign(slots, slots + lengthOf(info[1]));
      plan.nSlots = info[2].As<Napi::Number>().Int32Value();
      plan.minDay = info[3].As<Napi::Number>().Int32Value();
      plan.maxDay = info[4].As<Napi::Number>().Int32Value();
      const uint8_t* smart = elements<uint8_t>(info[5], napi_uint8_array, "smart (Uint8Array)");
      plan.smart.assign(smart, smart + lengthOf(info[5]));
      // The numeric columns' names as JSON strings, one per line.
      const std::string keys = latin1(info[6]);
      for (size_t at = 0; at <= keys.size();) {
        const size_t nl = std::min(keys.find('\n', at), keys.size());
        plan.tagKey.push_back(keys.substr(at, nl - at));
        at = nl + 1;
      }
      if (plan.smart.size() != plan.slots.size() || plan.tagKey.size() != plan.slots.size())
        throw std::invalid_argument("smart flags and tag keys: one per numeric column");
      for (int r : plan.roles)
        if (r >= (int)plan.slots.size()) throw std::invalid_argument("a numeric column has no slot");
      for (int s : plan.slots)
        if (s < 0 || s >= plan.nSlots) throw std::invalid_argument("a slot is out of range");
      nSlots_ = plan.nSlots;
      rows_ = std::make_unique<dt::CsvRows>(std::move(plan));
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("native engine: ") + e.what());
    }
  }

 private:
  /** parse(buf: Uint8Array, starts: Int32Array, ends: Int32Array, from, to, firstLine, rawBase) -> first line left */
  Napi::Value Parse(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      const uint8_t* buf = elements<uint8_t>(info[0], napi_uint8_array, "buf (Uint8Array)");
      const int32_t* starts = elements<int32_t>(info[1], napi_int32_array, "starts (Int32Array)");
      const int32_t* ends = elements<int32_t>(info[2], napi_int32_array, "ends (Int32Array)");
      const int from = info[3].As<Napi::Number>().Int32Value();
      const int to = info[4].As<Napi::Number>().Int32Value();
      const size_t bytes = lengthOf(info[0]);
      if (from < 0 || to < from || (size_t)to > lengthOf(info[1]) || (size_t)to > lengthOf(info[2]))
        throw std::invalid_argument("line range out of bounds");
      for (int i = from; i < to; i++)
        if (starts[i] < 0 || ends[i] < starts[i] || (size_t)ends[i] > bytes)
          throw std::invalid_argument("a line lies outside the buffer");
      const int left = rows_->parse(buf, starts, ends, from, to, info[5].As<Napi::Number>().Int32Value(),
                                    info[6].As<Napi::Number>().Int64Value());
      return Napi::Number::New(env, left);
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("native engine: ") + e.what());
    }
  }

  /** push(line, day, failure, capacity, values: Float64Array, serial, model, rawStart, rawEnd, tags: string | null) */
  Napi::Value Push(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      const double* values = elements<double>(info[4], napi_float64_array, "values (Float64Array)");
      if (lengthOf(info[4]) < (size_t)rowsPlanSlots()) throw std::invalid_argument("values is too short");
      const std::string tags = info[9].IsString() ? latin1(info[9]) : std::string();
      rows_->push(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(),
                  info[2].As<Napi::Number>().Int32Value(), info[3].As<Napi::Number>().DoubleValue(), values,
                  latin1(info[5]), latin1(info[6]), info[7].As<Napi::Number>().Uint32Value(),
                  info[8].As<Napi::Number>().Uint32Value(), info[9].IsString() ? &tags : nullptr);
      return env.Undefined();
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("native engine: ") + e.what());
    }
  }

  Napi::Value Rows(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)rows_->rows()); }

  /** take() -> the batch's rows (row-parser.ts's ParsedBatch without its JavaScript-side fields); starts afresh. */
  Napi::Value Take(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    dt::CsvRows& r = *rows_;
    Napi::Object o = Napi::Object::New(env);
    o.Set("rows", Napi::Number::New(env, (double)r.rows()));
    o.Set("line", copyOut<int32_t, Napi::Int32Array>(env, r.line));
    o.Set("day", copyOut<int32_t, Napi::Int32Array>(env, r.day));
    o.Set("failure", copyOut<uint8_t, Napi::Uint8Array>(env, r.failure));
    o.Set("capacity", copyOut<double, Napi::Float64Array>(env, r.capacity));
    o.Set("blobEnd", copyOut<uint32_t, Napi::Uint32Array>(env, r.blobEnd));
    o.Set("blobs", copyOut<uint8_t, Napi::Uint8Array>(env, r.blobs));
    o.Set("rawStart", copyOut<uint32_t, Napi::Uint32Array>(env, r.rawStart));
    o.Set("rawEnd", copyOut<uint32_t, Napi::Uint32Array>(env, r.rawEnd));
    o.Set("serials", joined(env, r.serials));
    o.Set("models", joined(env, r.models));
    o.Set("tagRows", copyOut<int32_t, Napi::Int32Array>(env, r.tagRows));
    o.Set("tagJson", joined(env, r.tagJson));
    r.clear();
    return o;
  }

  int rowsPlanSlots() const { return nSlots_; }

  std::unique_ptr<dt::CsvRows> rows_;
  int nSlots_ = 0;
};

}  // namespace

Napi::Function DefineCsvRows(Napi::Env env) { return CsvRowsWrap::Define(env); }
