// The network the native engine trains: a chain of layers described by the
// tfjs model it mirrors (see src-main/engine/model/native/net-spec.ts).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dt {

enum LayerKind { L_LSTM, L_REPEAT, L_CONV1D, L_UPSAMPLE, L_DENSE, L_DROPOUT };
enum LossKind { LOSS_MSE, LOSS_WEIGHTED_BCE, LOSS_FOCAL, LOSS_HARD_NEGATIVE };

struct LayerSpec {
  LayerKind kind = L_DENSE;
  int units = 0;  // LSTM units, conv filters, dense units
  bool returnSequences = false;
  int gateAct = 2;  // Act: sigmoid or hard sigmoid (LSTM)
  int act = 0;      // Act of conv / dense outputs
  int kernel = 1, stride = 1;
  int repeat = 1;      // RepeatVector n, UpSampling factor
  double dropout = 0;  // LSTM input dropout, or the Dropout layer's rate
};

struct NetSpec {
  int windowDays = 0, features = 0;
  std::vector<LayerSpec> layers;
  LossKind loss = LOSS_MSE;
  double positiveWeight = 1, gamma = 2, alpha = 0.25;
  int ratio = 3;
  bool targetIsInput = true;
  double clipNorm = 0;
  int threads = 1;
  uint64_t seed = 1;
};

/** What the addon calls; buffers are float or double as the net was made. */
class INet {
 public:
  virtual ~INet() = default;
  virtual size_t paramCount() const = 0;
  virtual size_t outputSize() const = 0;  // per window
  virtual void setWeights(const void* w) = 0;
  virtual void getWeights(void* out) const = 0;
  virtual void compute(const void* x, const uint8_t* y, int n, double* loss, double* norm) = 0;
  virtual void apply(double lr) = 0;
  virtual void discard() = 0;
  virtual bool hasPending() const = 0;
  virtual void gradients(void* out) const = 0;
  virtual double evaluate(const void* x, const uint8_t* y, int n) = 0;
  virtual void predict(const void* x, int n, void* out) = 0;
  /**
   * The gradient of each window's score (its largest output: a classifier's probability) with respect to its
   * input, out in x's layout [n][S][F]; no dropout, the weights and pending gradient untouched.
   */
  virtual void inputGradient(const void* x, int n, void* out) = 0;
  virtual long adamStep() const = 0;
  virtual void getAdam(void* m, void* v) const = 0;
  virtual void setAdam(long step, const void* m, const void* v) = 0;
};

/** isa: "avx512", "avx2" or "base"; throws std::invalid_argument on a spec it cannot build. */
std::unique_ptr<INet> makeNet(const NetSpec& spec, bool f64, const std::string& isa);
/** The best instruction set this CPU runs that the addon was built with. */
std::string bestIsa();
/** fp32 GFLOP/s of pure register FMAs on `threads` threads for about `seconds`: the machine's peak. */
double peakGflops(const std::string& isa, int threads, double seconds);
/** Every instruction set usable here, best first. */
std::vector<std::string> usableIsas();

}  // namespace dt
