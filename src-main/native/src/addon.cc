// Node-API face of the native engine: one class, NativeNet, whose methods map
// onto the TrainStep interface (src-main/engine/model/native/native-step.ts).
// Node-API is ABI-stable, so one build serves Node and Electron alike.
#include <napi.h>

#include <algorithm>
#include <string>
#include <thread>

#include "gbdt.h"
#include "kernels.h"
#include "net.h"
#include "scale.h"

/** The importer's fast path (csv-addon.cc). */
Napi::Function DefineCsvRows(Napi::Env env);

namespace {

dt::LayerKind layerKind(const std::string& k) {
  if (k == "lstm") return dt::L_LSTM;
  if (k == "repeat") return dt::L_REPEAT;
  if (k == "conv1d") return dt::L_CONV1D;
  if (k == "upsample") return dt::L_UPSAMPLE;
  if (k == "dense") return dt::L_DENSE;
  if (k == "dropout") return dt::L_DROPOUT;
  throw std::invalid_argument("unknown layer kind " + k);
}

int actCode(const std::string& a) {
  if (a == "linear") return dt::ACT_LINEAR;
  if (a == "relu") return dt::ACT_RELU;
  if (a == "sigmoid") return dt::ACT_SIGMOID;
  if (a == "tanh") return dt::ACT_TANH;
  if (a == "hardSigmoid") return dt::ACT_HARD_SIGMOID;
  throw std::invalid_argument("unsupported activation " + a);
}

double num(const Napi::Object& o, const char* key, double dflt) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : dflt;
}
std::string str(const Napi::Object& o, const char* key, const std::string& dflt) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : dflt;
}

dt::NetSpec parseSpec(const Napi::Object& o) {
  dt::NetSpec s;
  s.windowDays = (int)num(o, "windowDays", 0);
  s.features = (int)num(o, "features", 0);
  s.clipNorm = num(o, "clipNorm", 0);
  s.threads = (int)num(o, "threads", 1);
  s.seed = (uint64_t)num(o, "seed", 1);
  s.targetIsInput = str(o, "target", "input") == "input";
  Napi::Object loss = o.Get("loss").As<Napi::Object>();
  const std::string lk = str(loss, "kind", "mse");
  s.loss = lk == "mse"             ? dt::LOSS_MSE
           : lk == "weighted-bce"  ? dt::LOSS_WEIGHTED_BCE
           : lk == "focal"         ? dt::LOSS_FOCAL
           : lk == "hard-negative" ? dt::LOSS_HARD_NEGATIVE
                                   : throw std::invalid_argument("unknown loss " + lk);
  s.positiveWeight = num(loss, "positiveWeight", 1);
  s.gamma = num(loss, "gamma", 2);
  s.alpha = num(loss, "alpha", 0.25);
  s.ratio = (int)num(loss, "ratio", 3);
  Napi::Array layers = o.Get("layers").As<Napi::Array>();
  for (uint32_t i = 0; i < layers.Length(); i++) {
    Napi::Object l = layers.Get(i).As<Napi::Object>();
    dt::LayerSpec ls;
    ls.kind = layerKind(str(l, "kind", ""));
    ls.units = (int)num(l, "units", 0);
    ls.returnSequences = l.Get("returnSequences").ToBoolean();
    ls.gateAct = actCode(str(l, "gateActivation", "sigmoid"));
    ls.act = actCode(str(l, "activation", "linear"));
    ls.kernel = (int)num(l, "kernelSize", 1);
    ls.stride = (int)num(l, "stride", 1);
    ls.repeat = (int)num(l, "n", 1);
    ls.dropout = num(l, "dropout", 0);
    if ((ls.kind == dt::L_LSTM || ls.kind == dt::L_CONV1D || ls.kind == dt::L_DENSE) && ls.units < 1)
      throw std::invalid_argument("layer " + std::to_string(i) + " needs units >= 1");
    if (ls.kernel < 1 || ls.stride < 1 || ls.repeat < 1)
      throw std::invalid_argument("layer " + std::to_string(i) + " has a size below 1");
    if (ls.dropout < 0 || ls.dropout >= 1) throw std::invalid_argument("dropout must be in [0, 1)");
    s.layers.push_back(ls);
  }
  return s;
}

class NativeNet : public Napi::ObjectWrap<NativeNet> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeNet",
                       {
                           InstanceMethod("paramCount", &NativeNet::ParamCount),
                           InstanceMethod("outputSize", &NativeNet::OutputSize),
                           InstanceMethod("setWeights", &NativeNet::SetWeights),
                           InstanceMethod("getWeights", &NativeNet::GetWeights),
                           InstanceMethod("compute", &NativeNet::Compute),
                           InstanceMethod("apply", &NativeNet::Apply),
                           InstanceMethod("discard", &NativeNet::Discard),
                           InstanceMethod("gradients", &NativeNet::Gradients),
                           InstanceMethod("evaluate", &NativeNet::Evaluate),
                           InstanceMethod("predict", &NativeNet::Predict),
                           InstanceMethod("inputGradient", &NativeNet::InputGradient),
                           InstanceMethod("adamStep", &NativeNet::AdamStep),
                           InstanceMethod("getAdam", &NativeNet::GetAdam),
                           InstanceMethod("setAdam", &NativeNet::SetAdam),
                           InstanceMethod("dispose", &NativeNet::Dispose),
                           InstanceAccessor("isa", &NativeNet::Isa, nullptr),
                       });
  }

  explicit NativeNet(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeNet>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "NativeNet(spec, options?): spec must be an object");
    Napi::Object opts = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
    f64_ = str(opts, "precision", "float32") == "float64";
    isa_ = str(opts, "isa", dt::bestIsa());
    try {
      const dt::NetSpec spec = parseSpec(info[0].As<Napi::Object>());
      inputSize_ = (size_t)spec.windowDays * spec.features;
      net_ = dt::makeNet(spec, f64_, isa_);
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("native engine: ") + e.what());
    }
  }

 private:
  size_t elemSize() const { return f64_ ? 8 : 4; }

  // A typed array of this net's precision with at least `count` elements.
  const void* floats(const Napi::Value& v, size_t count, const char* what) {
    Napi::Env env = v.Env();
    const napi_typedarray_type want = f64_ ? napi_float64_array : napi_float32_array;
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != want)
      throw Napi::TypeError::New(env, std::string(what) + " must be a " + (f64_ ? "Float64Array" : "Float32Array"));
    Napi::TypedArray a = v.As<Napi::TypedArray>();
    if (a.ElementLength() < count)
      throw Napi::RangeError::New(env, std::string(what) + " has " + std::to_string(a.ElementLength()) +
                                           " values; " + std::to_string(count) + " needed");
    return static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  }

  Napi::Value newFloats(Napi::Env env, size_t count, void** data) {
    Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, count * elemSize());
    *data = buf.Data();
    if (f64_) return Napi::Float64Array::New(env, count, buf, 0);
    return Napi::Float32Array::New(env, count, buf, 0);
  }

  int batch(const Napi::CallbackInfo& info, size_t at) {
    if (!info[at].IsNumber()) throw Napi::TypeError::New(info.Env(), "n must be a number of windows");
    const int n = info[at].As<Napi::Number>().Int32Value();
    if (n < 1) throw Napi::RangeError::New(info.Env(), "n must be at least 1");
    return n;
  }

  const uint8_t* labels(const Napi::Value& v, int n) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      throw Napi::TypeError::New(v.Env(), "y must be a Uint8Array");
    Napi::Uint8Array a = v.As<Napi::Uint8Array>();
    if (a.ElementLength() < (size_t)n) throw Napi::RangeError::New(v.Env(), "y has fewer labels than windows");
    return a.Data();
  }

  // The net's threads end with it: dispose() frees them now rather than at garbage collection.
  void Dispose(const Napi::CallbackInfo&) { net_.reset(); }

  dt::INet* live(Napi::Env env) {
    if (!net_) throw Napi::Error::New(env, "native engine: this network was disposed");
    return net_.get();
  }

  Napi::Value ParamCount(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), (double)live(info.Env())->paramCount());
  }
  Napi::Value OutputSize(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), (double)live(info.Env())->outputSize());
  }
  Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), isa_); }
  void SetWeights(const Napi::CallbackInfo& info) {
    live(info.Env())->setWeights(floats(info[0], live(info.Env())->paramCount(), "weights"));
  }
  Napi::Value GetWeights(const Napi::CallbackInfo& info) {
    void* d;
    Napi::Value out = newFloats(info.Env(), live(info.Env())->paramCount(), &d);
    live(info.Env())->getWeights(d);
    return out;
  }
  Napi::Value Compute(const Napi::CallbackInfo& info) {
    const int n = batch(info, 2);
    const void* x = floats(info[0], (size_t)n * inputSize(info), "x");
    const uint8_t* y = labels(info[1], n);
    double loss = 0, norm = 0;
    run(info.Env(), [&] { live(info.Env())->compute(x, y, n, &loss, &norm); });
    Napi::Array r = Napi::Array::New(info.Env(), 2);
    r.Set((uint32_t)0, loss);
    r.Set((uint32_t)1, norm);
    return r;
  }
  void Apply(const Napi::CallbackInfo& info) { live(info.Env())->apply(info[0].As<Napi::Number>().DoubleValue()); }
  void Discard(const Napi::CallbackInfo& info) { live(info.Env())->discard(); }
  Napi::Value Gradients(const Napi::CallbackInfo& info) {
    void* d;
    Napi::Value out = newFloats(info.Env(), live(info.Env())->paramCount(), &d);
    live(info.Env())->gradients(d);
    return out;
  }
  Napi::Value Evaluate(const Napi::CallbackInfo& info) {
    const int n = batch(info, 2);
    const void* x = floats(info[0], (size_t)n * inputSize(info), "x");
    const uint8_t* y = labels(info[1], n);
    double loss = 0;
    run(info.Env(), [&] { loss = live(info.Env())->evaluate(x, y, n); });
    return Napi::Number::New(info.Env(), loss);
  }
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    const int n = batch(info, 1);
    const void* x = floats(info[0], (size_t)n * inputSize(info), "x");
    void* d;
    Napi::Value out = newFloats(info.Env(), (size_t)n * live(info.Env())->outputSize(), &d);
    run(info.Env(), [&] { live(info.Env())->predict(x, n, d); });
    return out;
  }
  /** inputGradient(x, n) -> d(each window's largest output) / dx, in x's layout. */
  Napi::Value InputGradient(const Napi::CallbackInfo& info) {
    const int n = batch(info, 1);
    const size_t size = (size_t)n * inputSize(info);
    const void* x = floats(info[0], size, "x");
    void* d;
    Napi::Value out = newFloats(info.Env(), size, &d);
    run(info.Env(), [&] { live(info.Env())->inputGradient(x, n, d); });
    return out;
  }
  Napi::Value AdamStep(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), (double)live(info.Env())->adamStep());
  }
  Napi::Value GetAdam(const Napi::CallbackInfo& info) {
    void* m;
    void* v;
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("m", newFloats(info.Env(), live(info.Env())->paramCount(), &m));
    o.Set("v", newFloats(info.Env(), live(info.Env())->paramCount(), &v));
    live(info.Env())->getAdam(m, v);
    return o;
  }
  void SetAdam(const Napi::CallbackInfo& info) {
    const long step = (long)info[0].As<Napi::Number>().Int64Value();
    live(info.Env())->setAdam(step, floats(info[1], live(info.Env())->paramCount(), "m"), floats(info[2], live(info.Env())->paramCount(), "v"));
  }

  size_t inputSize(const Napi::CallbackInfo&) const { return inputSize_; }

  template <class Fn>
  void run(Napi::Env env, Fn fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("native engine: ") + e.what());
    }
  }

  size_t inputSize_ = 0;
  std::unique_ptr<dt::INet> net_;
  std::string isa_;
  bool f64_ = false;
};

// ---- gradient-boosted trees -------------------------------------------------------------------------------

dt::GbdtParams gbdtParams(const Napi::Object& o) {
  dt::GbdtParams p;
  p.rounds = (int)num(o, "rounds", p.rounds);
  p.learningRate = num(o, "learningRate", p.learningRate);
  p.maxDepth = (int)num(o, "maxDepth", p.maxDepth);
  p.maxLeaves = (int)num(o, "maxLeaves", p.maxLeaves);
  p.minChildWeight = num(o, "minChildWeight", p.minChildWeight);
  p.lambda = num(o, "lambda", p.lambda);
  p.minSplitGain = num(o, "minSplitGain", p.minSplitGain);
  p.subsample = num(o, "subsample", p.subsample);
  p.colsample = num(o, "colsample", p.colsample);
  const std::string loss = str(o, "loss", "logistic");
  if (loss != "logistic" && loss != "focal") throw std::invalid_argument("unknown tree loss " + loss);
  p.loss = loss == "focal" ? dt::GBDT_FOCAL : dt::GBDT_LOGISTIC;
  p.positiveWeight = num(o, "positiveWeight", p.positiveWeight);
  p.gamma = num(o, "gamma", p.gamma);
  p.alpha = num(o, "alpha", p.alpha);
  p.earlyStopRounds = (int)num(o, "earlyStopRounds", p.earlyStopRounds);
  p.maxBins = (int)num(o, "maxBins", p.maxBins);
  p.threads = std::max(1, (int)num(o, "threads", 1));
  p.seed = (uint64_t)num(o, "seed", 1);
  if (o.Has("monotone") && o.Get("monotone").IsArray()) {
    Napi::Array m = o.Get("monotone").As<Napi::Array>();
    for (uint32_t i = 0; i < m.Length(); i++) {
      const int v = m.Get(i).As<Napi::Number>().Int32Value();
      if (v < -1 || v > 1) throw std::invalid_argument("monotone constraints are -1, 0 or +1");
      p.monotone.push_back((int8_t)v);
    }
  }
  return p;
}

template <class T, class Arr>
Napi::Value typed(Napi::Env env, const std::vector<T>& v) {
  Arr a = Arr::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

Napi::Object treeObject(Napi::Env env, const dt::GbdtTree& t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("feature", typed<int32_t, Napi::Int32Array>(env, t.feature));
  o.Set("left", typed<int32_t, Napi::Int32Array>(env, t.left));
  o.Set("right", typed<int32_t, Napi::Int32Array>(env, t.right));
  o.Set("threshold", typed<float, Napi::Float32Array>(env, t.threshold));
  o.Set("defaultLeft", typed<uint8_t, Napi::Uint8Array>(env, t.defaultLeft));
  o.Set("value", typed<double, Napi::Float64Array>(env, t.value));
  o.Set("gain", typed<double, Napi::Float64Array>(env, t.gain));
  o.Set("cover", typed<double, Napi::Float64Array>(env, t.cover));
  return o;
}

template <class T>
const T* typedData(const Napi::Value& v, size_t need, const char* what) {
  if (!v.IsTypedArray()) throw std::invalid_argument(std::string(what) + " must be a typed array");
  auto a = v.As<Napi::TypedArray>();
  if (a.ByteLength() < need * sizeof(T)) throw std::invalid_argument(std::string(what) + " is too short");
  return reinterpret_cast<const T*>(static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

/** gbdtTrain(x, y, n, f, xv, yv, nv, params, onRound?) -> { trees, trainLoss, valLoss, bestRounds, cancelled } */
Napi::Value GbdtTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const size_t n = (size_t)info[2].As<Napi::Number>().Int64Value();
    const int f = info[3].As<Napi::Number>().Int32Value();
    const size_t nv = (size_t)info[6].As<Napi::Number>().Int64Value();
    const float* x = typedData<float>(info[0], n * f, "x");
    const uint8_t* y = typedData<uint8_t>(info[1], n, "y");
    const float* xv = nv ? typedData<float>(info[4], nv * f, "validation x") : nullptr;
    const uint8_t* yv = nv ? typedData<uint8_t>(info[5], nv, "validation y") : nullptr;
    const dt::GbdtParams p = gbdtParams(info[7].As<Napi::Object>());
    dt::GbdtRoundHook hook;
    if (info.Length() > 8 && info[8].IsFunction()) {
      Napi::Function cb = info[8].As<Napi::Function>();
      hook = [&](int round, double train, double val) {
        Napi::Value r = cb.Call({Napi::Number::New(env, round), Napi::Number::New(env, train), Napi::Number::New(env, val)});
        if (env.IsExceptionPending()) throw std::runtime_error("the round callback threw");
        return !(r.IsBoolean() && !r.As<Napi::Boolean>().Value());
      };
    }
    const dt::GbdtModel m = dt::gbdtTrain(x, y, n, f, xv, yv, nv, p, hook);
    Napi::Object out = Napi::Object::New(env);
    Napi::Array trees = Napi::Array::New(env, m.trees.size());
    for (size_t i = 0; i < m.trees.size(); i++) trees.Set((uint32_t)i, treeObject(env, m.trees[i]));
    out.Set("trees", trees);
    out.Set("trainLoss", typed<double, Napi::Float64Array>(env, m.trainLoss));
    out.Set("valLoss", typed<double, Napi::Float64Array>(env, m.valLoss));
    out.Set("bestRounds", Napi::Number::New(env, m.bestRounds));
    out.Set("cancelled", Napi::Boolean::New(env, m.cancelled));
    return out;
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("native engine: ") + e.what());
  }
}

/** gbdtGradients(margin: Float64Array, y: Uint8Array, params) -> { g, h, loss } (for tests) */
Napi::Value GbdtGradients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const size_t n = info[0].As<Napi::TypedArray>().ElementLength();
    const double* m = typedData<double>(info[0], n, "margin");
    const uint8_t* y = typedData<uint8_t>(info[1], n, "y");
    const dt::GbdtParams p = gbdtParams(info[2].As<Napi::Object>());
    std::vector<double> g(n), h(n), loss(n);
    dt::gbdtGradients(m, y, n, p, g.data(), h.data());
    for (size_t i = 0; i < n; i++) loss[i] = dt::gbdtLoss(m[i], y[i], p);
    Napi::Object out = Napi::Object::New(env);
    out.Set("g", typed<double, Napi::Float64Array>(env, g));
    out.Set("h", typed<double, Napi::Float64Array>(env, h));
    out.Set("loss", typed<double, Napi::Float64Array>(env, loss));
    return out;
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("native engine: ") + e.what());
  }
}

template <class T>
std::vector<T> typedVector(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsTypedArray()) throw std::invalid_argument(std::string("forest.") + key + " must be a typed array");
  auto a = v.As<Napi::TypedArray>();
  const size_t n = a.ByteLength() / sizeof(T);
  const T* p = typedData<T>(v, n, key);
  return std::vector<T>(p, p + n);
}

/**
 * gbdtExplain(forest, x, n, group, groups, margin, groupSums, threads): margins and per-group path contributions
 * of n rows (gbdt.h). forest: { features, baseMargin, offset (trees + 1), feature, left, right, threshold,
 * defaultLeft, value }.
 */
Napi::Value GbdtExplain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Napi::Object o = info[0].As<Napi::Object>();
    dt::GbdtForest m;
    m.features = (int)num(o, "features", 0);
    m.baseMargin = num(o, "baseMargin", 0);
    m.offset = typedVector<int32_t>(o, "offset");
    m.feature = typedVector<int32_t>(o, "feature");
    m.left = typedVector<int32_t>(o, "left");
    m.right = typedVector<int32_t>(o, "right");
    m.threshold = typedVector<float>(o, "threshold");
    m.defaultLeft = typedVector<uint8_t>(o, "defaultLeft");
    m.value = typedVector<double>(o, "value");
    const auto kind = [](const Napi::Value& v, napi_typedarray_type t, const char* what) {
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != t)
        throw std::invalid_argument(std::string(what) + " has the wrong element type");
    };
    kind(info[1], napi_float32_array, "x (Float32Array)");
    kind(info[3], napi_int32_array, "group (Int32Array)");
    kind(info[5], napi_float64_array, "margin (Float64Array)");
    kind(info[6], napi_float64_array, "groupSums (Float64Array)");
    const size_t n = (size_t)info[2].As<Napi::Number>().Int64Value();
    const int groups = info[4].As<Napi::Number>().Int32Value();
    if (groups < 0) throw std::invalid_argument("groups must be at least 0");
    const float* x = typedData<float>(info[1], n * m.features, "x");
    const int32_t* group = typedData<int32_t>(info[3], m.features, "group");
    double* margin = const_cast<double*>(typedData<double>(info[5], n, "margin"));
    double* sums = const_cast<double*>(typedData<double>(info[6], n * groups, "groupSums"));
    const int threads = std::max(1, info[7].As<Napi::Number>().Int32Value());
    dt::gbdtExplain(m, x, n, group, groups, margin, sums, threads);
    return env.Undefined();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("native engine: ") + e.what());
  }
}

/**
 * scaleCells(values, present, rows, days, src, change, log, statsOfRow, mean, sd, out): a cube standardised for
 * the networks (scale.h). values Float32Array (rows * days * f), present Uint8Array (rows * days), src Int32Array
 * and change, log Uint8Array (g each), statsOfRow Int32Array (rows), mean and sd Float64Array (sets of g), out
 * Float32Array (rows * days * g).
 */
Napi::Value ScaleCells(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const auto kind = [](const Napi::Value& v, napi_typedarray_type t, const char* what) {
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != t)
        throw std::invalid_argument(std::string(what) + " has the wrong element type");
      return v.As<Napi::TypedArray>().ElementLength();
    };
    const size_t rows = (size_t)info[2].As<Napi::Number>().Int64Value();
    const int days = info[3].As<Napi::Number>().Int32Value();
    const size_t cells = rows * (size_t)std::max(0, days);
    const size_t g = kind(info[4], napi_int32_array, "src (Int32Array)");
    kind(info[0], napi_float32_array, "values (Float32Array)");
    kind(info[1], napi_uint8_array, "present (Uint8Array)");
    kind(info[5], napi_uint8_array, "change (Uint8Array)");
    kind(info[6], napi_uint8_array, "log (Uint8Array)");
    kind(info[7], napi_int32_array, "statsOfRow (Int32Array)");
    const size_t sets = kind(info[8], napi_float64_array, "mean (Float64Array)");
    kind(info[9], napi_float64_array, "sd (Float64Array)");
    kind(info[10], napi_float32_array, "out (Float32Array)");
    if (days < 0 || g == 0 || sets % g != 0) throw std::invalid_argument("days >= 0, g >= 1, mean in sets of g");
    const size_t f = cells ? info[0].As<Napi::TypedArray>().ElementLength() / cells : 0;
    if (cells && f * cells != info[0].As<Napi::TypedArray>().ElementLength())
      throw std::invalid_argument("values is not rows x days x features");
    dt::scaleCells(typedData<float>(info[0], cells * f, "values"), typedData<uint8_t>(info[1], cells, "present"),
                   rows, days, (int)f, typedData<int32_t>(info[4], g, "src"),
                   typedData<uint8_t>(info[5], g, "change"), typedData<uint8_t>(info[6], g, "log"), (int)g,
                   typedData<int32_t>(info[7], rows, "statsOfRow"), typedData<double>(info[8], sets, "mean"),
                   typedData<double>(info[9], sets, "sd"), (int)(sets / g),
                   const_cast<float*>(typedData<float>(info[10], cells * g, "out")));
    return env.Undefined();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("native engine: ") + e.what());
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("scaleCells", Napi::Function::New(env, ScaleCells));
  exports.Set("gbdtTrain", Napi::Function::New(env, GbdtTrain));
  exports.Set("gbdtGradients", Napi::Function::New(env, GbdtGradients));
  exports.Set("gbdtExplain", Napi::Function::New(env, GbdtExplain));
  exports.Set("NativeNet", NativeNet::Define(env));
  exports.Set("CsvRows", DefineCsvRows(env));
  exports.Set("version", Napi::String::New(env, "dt-native 1"));
  exports.Set("usableIsas", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                auto isas = dt::usableIsas();
                Napi::Array a = Napi::Array::New(info.Env(), isas.size());
                for (size_t i = 0; i < isas.size(); i++) a.Set((uint32_t)i, isas[i]);
                return a;
              }));
  exports.Set("peakGflops", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                const int threads = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
                const std::string isa = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : dt::bestIsa();
                try {
                  return Napi::Number::New(info.Env(), dt::peakGflops(isa, std::max(1, threads), 1.0));
                } catch (const std::exception& e) {
                  throw Napi::Error::New(info.Env(), std::string("native engine: ") + e.what());
                }
              }));
  exports.Set("hardwareThreads", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
                return Napi::Number::New(info.Env(), (double)std::thread::hardware_concurrency());
              }));
  return exports;
}

}  // namespace

NODE_API_MODULE(dt_native, Init)
