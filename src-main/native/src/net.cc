// The native training engine: forward, backward, loss, clipping and Adam for
// the chain of layers in a NetSpec. Data-parallel over the batch: each thread
// runs its contiguous share of the windows with its own activations and
// gradient buffer; the shares' gradients are summed in a fixed order, so the
// result depends on the thread count but never on thread timing.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "kernels.h"
#include "losses.h"
#include "net.h"
#include "pool.h"

namespace dt {
namespace {

inline uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
/** A uniform in [0, 1) that depends only on its coordinates: dropout masks do not depend on threads. */
inline double uniform(uint64_t seed, uint64_t step, uint64_t layer, uint64_t sample, uint64_t cell) {
  uint64_t h = mix(seed ^ mix(step ^ mix(layer ^ mix(sample ^ mix(cell)))));
  return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

template <class R>
struct Layer {
  LayerSpec s;
  int inT = 0, inC = 0, outT = 0, outC = 0;
  size_t woff = 0, wcount = 0;
  int padL = 0;
  // Packed weights (shared by the threads, rebuilt when the weights change).
  std::vector<R> pW, pWT, pWh, pWhT;
  // LSTM inference: [W; Wh; bias] packed as one (C + H + 1) x 4H matrix, and [W; bias] for an input that is
  // the same at every step.
  std::vector<R> pWxhb, pWb;
  /** [W; bias] side by side, the source of pWb. */
  std::vector<R> wbSource;
};

/**
 * What one layer's forward pass keeps for its backward pass, per thread. Activations are time-major:
 * [T][b][C] for T steps of b windows of C channels.
 */
template <class R>
struct LayerCache {
  /** The layer's output (LSTM: the hidden state h for steps 0..T, step 0 all zero: [(T+1)][b][H]). */
  std::vector<R> out;
  /** Where the next layer reads this one's output (into `out`, or the input itself for an idle dropout). */
  const R* outp = nullptr;
  /** LSTM: the gates before their activations, [T][b][4H] (i, f, g, o). */
  std::vector<R> gates;
  /** LSTM: the cell state c for steps 0..T, [(T+1)][b][H]; and tanh(c_t), [T][b][H]. */
  std::vector<R> cells, tanhCells;
  /** LSTM with input dropout: the input after the mask, [T][b][C] (empty without dropout). */
  std::vector<R> droppedInput;
  /** Conv1D: the input unrolled (im2col), [To][b][kernel x C]. */
  std::vector<R> columns;
  /** Dropout layer: its mask (0 or 1 / (1 - rate)), [T][b][C]. */
  std::vector<R> mask;
  /** Backward: the loss's gradient with respect to the layer's input, [T][b][C]. */
  std::vector<R> dInput;
};

/** One thread's share of a batch: windows r0 .. r0 + b - 1. */
template <class R>
struct Work {
  int r0 = 0, b = 0;
  /** The share's windows, time-major: [S][b][F]. */
  std::vector<R> xin;
  std::vector<LayerCache<R>> cache;
  /** The share's gradient of every weight; the top gradient; scratch for the backward pass. */
  std::vector<R> grad, dtop, scratch, scratch2, packed;
  /**
   * LSTM inference, per row block: [x_t | h_{t-1} | 1] rows, the gates, the cell state and tanh(c), and the
   * gates' share of an input that is the same at every step (in training: that share's packed gradient sum).
   */
  std::vector<R> stepIn, stepGates, stepCells, stepTanh, stepBase;
};

template <class R>
class Net final : public INet {
 public:
  Net(const NetSpec& spec, const Kernels<R>* k) : sp_(spec), k_(k), pool_(std::max(1, spec.threads)) {
    int T = spec.windowDays, C = spec.features;
    if (T < 1 || C < 1) throw std::invalid_argument("window length and features must be at least 1");
    size_t off = 0;
    for (const LayerSpec& s : spec.layers) {
      Layer<R> L;
      L.s = s;
      L.inT = T;
      L.inC = C;
      L.woff = off;
      switch (s.kind) {
        case L_LSTM:
          L.wcount = (size_t)C * 4 * s.units + (size_t)s.units * 4 * s.units + 4 * s.units;
          T = s.returnSequences ? T : 1;
          C = s.units;
          break;
        case L_REPEAT:
          if (T != 1) throw std::invalid_argument("RepeatVector needs a vector (an LSTM without sequences) before it");
          T = s.repeat;
          break;
        case L_CONV1D: {
          const int To = (T + s.stride - 1) / s.stride;
          L.padL = std::max(0, (To - 1) * s.stride + s.kernel - T) / 2;
          L.wcount = (size_t)s.kernel * C * s.units + s.units;
          T = To;
          C = s.units;
          break;
        }
        case L_UPSAMPLE:
          T *= s.repeat;
          break;
        case L_DENSE:
          L.wcount = (size_t)C * s.units + s.units;
          C = s.units;
          break;
        case L_DROPOUT:
          break;
      }
      L.outT = T;
      L.outC = C;
      off += L.wcount;
      layers_.push_back(std::move(L));
    }
    if (layers_.empty()) throw std::invalid_argument("the network has no layers");
    P_ = off;
    outT_ = T;
    outC_ = C;
    if (spec.targetIsInput && (outT_ != spec.windowDays || outC_ != spec.features))
      throw std::invalid_argument("an autoencoder's output must have the input's shape");
    w_.assign(P_, 0);
    m_.assign(P_, 0);
    v_.assign(P_, 0);
    pending_.assign(P_, 0);
    work_.resize(pool_.size());
  }

  size_t paramCount() const override { return P_; }
  size_t outputSize() const override { return (size_t)outT_ * outC_; }
  void setWeights(const void* w) override {
    std::memcpy(w_.data(), w, P_ * sizeof(R));
    packed_ = false;
  }
  void getWeights(void* out) const override { std::memcpy(out, w_.data(), P_ * sizeof(R)); }
  bool hasPending() const override { return hasPending_; }
  void gradients(void* out) const override { std::memcpy(out, pending_.data(), P_ * sizeof(R)); }
  long adamStep() const override { return adamT_; }
  void getAdam(void* m, void* v) const override {
    std::memcpy(m, m_.data(), P_ * sizeof(R));
    std::memcpy(v, v_.data(), P_ * sizeof(R));
  }
  void setAdam(long step, const void* m, const void* v) override {
    adamT_ = step;
    std::memcpy(m_.data(), m, P_ * sizeof(R));
    std::memcpy(v_.data(), v, P_ * sizeof(R));
  }
  void discard() override { hasPending_ = false; }

  void compute(const void* xv, const uint8_t* y, int n, double* loss, double* norm) override {
    const R* x = (const R*)xv;
    hasPending_ = false;
    step_++;
    const int parts = forwardAll(x, n, true);
    dout_.assign(out_.size(), 0);
    *loss = lossOf(x, y, n, true);
    pool_.run(parts, [&](int p) { backward(work_[p]); });
    *norm = reduceGradients(parts);
    if (sp_.clipNorm > 0 && *norm > sp_.clipNorm) {
      const R scale = (R)(sp_.clipNorm / *norm);
      eachSlice([&](int, size_t lo, size_t n) { k_->scale((long)n, pending_.data() + lo, scale); });
    }
    hasPending_ = true;
  }

  /**
   * Runs job(slice, lo, n) over the parameters cut into one slice per thread: the optimizer's passes over every
   * weight (a tenth of a batch's time on one core for the reference LSTM) run on every core.
   */
  template <class F>
  void eachSlice(F job) {
    const int slices = pool_.size();
    pool_.run(slices, [&](int s) {
      const size_t lo = P_ * (size_t)s / slices, hi = P_ * (size_t)(s + 1) / slices;
      if (hi > lo) job(s, lo, hi - lo);
    });
  }

  /** pending_ = the parts' gradients summed; returns their norm. */
  double reduceGradients(int parts) {
    std::vector<double> sq(pool_.size(), 0.0);
    eachSlice([&](int s, size_t lo, size_t n) {
      std::vector<const R*> from(parts);
      for (int p = 0; p < parts; p++) from[p] = work_[p].grad.data() + lo;
      sq[s] = k_->reduce_grads((long)n, parts, from.data(), pending_.data() + lo);
    });
    double total = 0;
    for (double x : sq) total += x;
    return std::sqrt(total);
  }

  // Adam as TensorFlow.js computes it (beta1 0.9, beta2 0.999, epsilon 1e-7).
  void apply(double lr) override {
    if (!hasPending_) return;
    adamT_++;
    const R b1 = (R)0.9, b2 = (R)0.999, eps = (R)1e-7;
    const R c1 = (R)(1 - std::pow(0.9, (double)adamT_)), c2 = (R)(1 - std::pow(0.999, (double)adamT_));
    const R rate = (R)lr;
    eachSlice([&](int, size_t lo, size_t n) {
      k_->adam((long)n, w_.data() + lo, m_.data() + lo, v_.data() + lo, pending_.data() + lo, rate, b1, b2, c1, c2,
               eps);
    });
    hasPending_ = false;
    packed_ = false;
  }

  double evaluate(const void* xv, const uint8_t* y, int n) override {
    forwardAll((const R*)xv, n, false);
    return lossOf((const R*)xv, y, n, false);
  }

  void predict(const void* xv, int n, void* out) override {
    forwardAll((const R*)xv, n, false);
    std::memcpy(out, out_.data(), out_.size() * sizeof(R));
  }

  void inputGradient(const void* xv, int n, void* outv) override {
    // A forward pass that keeps what the backward needs, without dropout; then the backward from a one at each
    // window's largest output, carried down to the input.
    dropping_ = false;
    const int parts = forwardAll((const R*)xv, n, true);
    dropping_ = true;
    const size_t per = (size_t)outT_ * outC_;
    dout_.assign(out_.size(), R(0));
    for (int i = 0; i < n; i++) {
      const R* o = &out_[(size_t)i * per];
      size_t best = 0;
      for (size_t k = 1; k < per; k++)
        if (o[k] > o[best]) best = k;
      dout_[(size_t)i * per + best] = R(1);
    }
    inputGrad_ = true;
    pool_.run(parts, [&](int p) { backward(work_[p]); });
    inputGrad_ = false;
    R* out = (R*)outv;
    const int S = sp_.windowDays, F = sp_.features;
    for (int p = 0; p < parts; p++) {
      const Work<R>& ws = work_[p];
      const R* g = ws.cache[0].dInput.data();
      for (int r = 0; r < ws.b; r++)
        for (int t = 0; t < S; t++)
          std::memcpy(out + ((size_t)(ws.r0 + r) * S + t) * F, g + ((size_t)t * ws.b + r) * F, F * sizeof(R));
    }
  }

 private:
  void pack(std::vector<R>& dst, const R* src, int K, int N, long rs, long cs) {
    dst.resize(k_->packed_size(K, N));
    k_->pack(src, K, N, rs, cs, dst.data());
  }

  /** One matrix to pack: B(k, n) = src[k * rs + n * cs], K x N, into *dst. */
  struct PackJob {
    std::vector<R>* dst;
    const R* src;
    int K, N;
    long rs, cs;
  };

  /**
   * The weights packed for the GEMMs, after every update: what training reads (W, Wh and their transposes for
   * the backward pass) at once, what only inference reads ([W; Wh; bias], [W; bias]) when inference asks for it,
   * so a training step does not repack them.
   */
  void ensurePacked(bool inference) {
    std::vector<PackJob> jobs;
    if (!packed_) {
      for (Layer<R>& L : layers_) {
        const R* w = w_.data() + L.woff;
        const int C = L.inC, U = L.s.units;
        switch (L.s.kind) {
          case L_LSTM: {
            const R* wh = w + (size_t)C * 4 * U;
            jobs.push_back({&L.pW, w, C, 4 * U, 4 * U, 1});
            jobs.push_back({&L.pWT, w, 4 * U, C, 1, 4 * U});
            jobs.push_back({&L.pWh, wh, U, 4 * U, 4 * U, 1});
            jobs.push_back({&L.pWhT, wh, 4 * U, U, 1, 4 * U});
            break;
          }
          case L_CONV1D:
          case L_DENSE: {
            const int kc = (L.s.kind == L_CONV1D ? L.s.kernel : 1) * C;
            jobs.push_back({&L.pW, w, kc, U, U, 1});
            jobs.push_back({&L.pWT, w, U, kc, 1, U});
            break;
          }
          default:
            break;
        }
      }
      packed_ = true;
      packedInference_ = false;
    }
    if (inference && !packedInference_) {
      for (Layer<R>& L : layers_) {
        if (L.s.kind != L_LSTM) continue;
        const R* w = w_.data() + L.woff;
        const int C = L.inC, U = L.s.units;
        // W, Wh and the bias lie one after another, row-major with 4U columns.
        jobs.push_back({&L.pWxhb, w, C + U + 1, 4 * U, 4 * U, 1});
        const R* bias = w + (size_t)C * 4 * U + (size_t)U * 4 * U;
        L.wbSource.assign(w, w + (size_t)C * 4 * U);
        L.wbSource.insert(L.wbSource.end(), bias, bias + 4 * U);
        jobs.push_back({&L.pWb, L.wbSource.data(), C + 1, 4 * U, 4 * U, 1});
      }
      packedInference_ = true;
    }
    if (jobs.empty()) return;
    for (const PackJob& j : jobs) j.dst->resize(k_->packed_size(j.K, j.N));
    // Every matrix's panels are cut into one run per thread: a transpose costs several plain copies, and dealing
    // whole matrices out in turn gave one thread every transpose while the other waited.
    const int nr = k_->nr, threads = pool_.size();
    pool_.run(threads, [&](int t) {
      for (const PackJob& j : jobs) {
        const int panels = (j.N + nr - 1) / nr;
        const int p0 = (int)((long)panels * t / threads), p1 = (int)((long)panels * (t + 1) / threads);
        if (p1 <= p0) continue;
        const int n0 = p0 * nr, n1 = std::min(j.N, p1 * nr);
        k_->pack(j.src + (long)n0 * j.cs, j.K, n1 - n0, j.rs, j.cs, j.dst->data() + (size_t)p0 * j.K * nr);
      }
    });
  }

  int forwardAll(const R* x, int n, bool training) {
    ensurePacked(!training);
    const int parts = std::max(1, std::min(pool_.size(), n));
    out_.resize((size_t)n * outT_ * outC_);
    for (int p = 0; p < parts; p++) {
      work_[p].r0 = (int)((long)p * n / parts);
      work_[p].b = (int)((long)(p + 1) * n / parts) - work_[p].r0;
    }
    pool_.run(parts, [&](int p) { forward(work_[p], x, training); });
    return parts;
  }

  /** The share's forward pass, layer by layer; the output goes back window-major into out_. */
  void forward(Work<R>& ws, const R* x, bool training) {
    const int b = ws.b, S = sp_.windowDays, F = sp_.features;
    const size_t nl = layers_.size();
    ws.cache.resize(nl);
    ws.xin.resize((size_t)S * b * F);
    for (int r = 0; r < b; r++)
      for (int t = 0; t < S; t++)
        std::memcpy(&ws.xin[((size_t)t * b + r) * F], x + ((size_t)(ws.r0 + r) * S + t) * F, F * sizeof(R));
    const R* in = ws.xin.data();
    for (size_t l = 0; l < nl; l++) {
      const Layer<R>& L = layers_[l];
      LayerCache<R>& c = ws.cache[l];
      switch (L.s.kind) {
        case L_LSTM:
          lstmForward(L, l, ws, c, in, training);
          break;
        case L_REPEAT:
          repeatForward(L, b, c, in);
          break;
        case L_CONV1D:
          conv1dForward(L, b, c, in);
          break;
        case L_UPSAMPLE:
          upsampleForward(L, b, c, in);
          break;
        case L_DENSE:
          denseForward(L, b, c, in);
          break;
        case L_DROPOUT:
          dropoutForward(L, l, ws, c, in, training);
          break;
      }
      in = c.outp;
    }
    for (int r = 0; r < b; r++)
      for (int t = 0; t < outT_; t++)
        std::memcpy(&out_[((size_t)(ws.r0 + r) * outT_ + t) * outC_], in + ((size_t)t * b + r) * outC_,
                    outC_ * sizeof(R));
  }

  /** Layer l reads a RepeatVector's output: the same input at every step. */
  bool repeatedInput(size_t l) const { return l > 0 && layers_[l - 1].s.kind == L_REPEAT; }

  /**
   * LSTM, in [T][b][C] -> h [(T+1)][b][H]: the input's share of every gate for all steps in one GEMM
   * (gates = x W + bias, [T*b][4H]), then per step the recurrent GEMM (gates_t += h_{t-1} Wh) and the cell.
   */
  void lstmForward(const Layer<R>& L, size_t l, Work<R>& ws, LayerCache<R>& c, const R* in, bool training) {
    if (!training) return lstmInfer(L, repeatedInput(l), ws, c, in);
    const int b = ws.b, T = L.inT, C = L.inC, H = L.s.units, rows = T * b;
    const R* w = w_.data() + L.woff;
    const R* xs = in;
    if (training && dropping_ && L.s.dropout > 0) {
      // Input dropout, one mask per window and input feature for every step (as Keras does).
      c.droppedInput.resize((size_t)rows * C);
      const R keep = (R)(1 / (1 - L.s.dropout));
      for (int r = 0; r < b; r++)
        for (int f = 0; f < C; f++) {
          const R m = uniform(sp_.seed, step_, l, ws.r0 + r, f) < L.s.dropout ? R(0) : keep;
          for (int t = 0; t < T; t++)
            c.droppedInput[((size_t)t * b + r) * C + f] = in[((size_t)t * b + r) * C + f] * m;
        }
      xs = c.droppedInput.data();
    } else {
      c.droppedInput.clear();
    }
    c.gates.resize((size_t)rows * 4 * H);
    c.out.resize((size_t)(T + 1) * b * H);
    c.cells.resize((size_t)(T + 1) * b * H);
    c.tanhCells.resize((size_t)rows * H);
    std::fill(c.out.begin(), c.out.begin() + (size_t)b * H, R(0));
    std::fill(c.cells.begin(), c.cells.begin() + (size_t)b * H, R(0));
    // After a RepeatVector (with or without input dropout: one mask for every step) the input is the same at
    // every step, so its share of the gates is computed once and copied to each step.
    const bool repeated = repeatedInput(l);
    const int inputRows = repeated ? b : rows;
    k_->gemm(inputRows, C, 4 * H, xs, C, 1, L.pW.data(), c.gates.data(), 4 * H, false);
    const R* bias = w + (size_t)C * 4 * H + (size_t)H * 4 * H;
    for (int r = 0; r < inputRows; r++) {
      R* g = &c.gates[(size_t)r * 4 * H];
      for (int j = 0; j < 4 * H; j++) g[j] += bias[j];
    }
    for (int t = 1; repeated && t < T; t++)
      std::memcpy(&c.gates[(size_t)t * b * 4 * H], c.gates.data(), (size_t)b * 4 * H * sizeof(R));
    for (int t = 0; t < T; t++) {
      R* Gt = &c.gates[(size_t)t * b * 4 * H];
      // h before the first step is zero: nothing to add.
      if (t > 0) k_->gemm(b, H, 4 * H, &c.out[(size_t)t * b * H], H, 1, L.pWh.data(), Gt, 4 * H, true);
      k_->lstm_cell(b, H, Gt, &c.cells[(size_t)t * b * H], &c.cells[(size_t)(t + 1) * b * H],
                    &c.tanhCells[(size_t)t * b * H], &c.out[(size_t)(t + 1) * b * H], L.s.gateAct);
    }
    c.outp = L.s.returnSequences ? &c.out[(size_t)b * H] : &c.out[(size_t)T * b * H];
  }

  /**
   * LSTM inference: nothing is kept for a backward pass, so rows go through all T steps a block at a time
   * while the block's gates, state and the packed weights stay in cache, and each step is one GEMM:
   * [x_t | h_{t-1} | 1] [W; Wh; bias]. Same output as lstmForward: h [(T+1)][b][H].
   */
  void lstmInfer(const Layer<R>& L, bool repeated, Work<R>& ws, LayerCache<R>& c, const R* in) {
    const int b = ws.b, T = L.inT, C = L.inC, H = L.s.units, K = repeated ? C + 1 : C + H + 1;
    constexpr int BLOCK = 64;
    c.gates.clear();
    c.cells.clear();
    c.tanhCells.clear();
    c.droppedInput.clear();
    c.out.resize((size_t)(T + 1) * b * H);
    std::fill(c.out.begin(), c.out.begin() + (size_t)b * H, R(0));
    ws.stepIn.resize((size_t)BLOCK * K);
    ws.stepGates.resize((size_t)BLOCK * 4 * H);
    ws.stepCells.resize((size_t)BLOCK * H);
    ws.stepTanh.resize((size_t)BLOCK * H);
    ws.stepBase.resize((size_t)BLOCK * 4 * H);
    R* A = ws.stepIn.data();
    R* G = ws.stepGates.data();
    for (int r0 = 0; r0 < b; r0 += BLOCK) {
      const int rb = std::min(BLOCK, b - r0);
      std::fill(ws.stepCells.begin(), ws.stepCells.end(), R(0));
      for (int r = 0; r < rb; r++) A[(size_t)r * K + K - 1] = R(1);
      if (repeated) {
        // After a RepeatVector the input is the same at every step, so its share of the gates (x W + bias) is
        // computed once; each step adds only h_{t-1} Wh (the step before the first has h = 0: nothing to add).
        // That halves the work of an autoencoder's first decoder layer.
        for (int r = 0; r < rb; r++) std::memcpy(A + (size_t)r * K, in + ((size_t)r0 + r) * C, C * sizeof(R));
        k_->gemm(rb, K, 4 * H, A, K, 1, L.pWb.data(), ws.stepBase.data(), 4 * H, false);
      }
      for (int t = 0; t < T; t++) {
        const R* h = &c.out[((size_t)t * b + r0) * H];
        R* hNext = &c.out[((size_t)(t + 1) * b + r0) * H];
        // The cell reads c_{t-1} and writes c_t element by element, so one buffer holds both.
        R* cells = ws.stepCells.data();
        if (repeated) {
          std::memcpy(G, ws.stepBase.data(), (size_t)rb * 4 * H * sizeof(R));
          if (t == 0)
            k_->lstm_cell(rb, H, G, cells, cells, ws.stepTanh.data(), hNext, L.s.gateAct);
          else
            k_->lstm_infer_step(rb, H, H, h, H, L.pWh.data(), G, cells, ws.stepTanh.data(), hNext, L.s.gateAct,
                                true);
          continue;
        }
        for (int r = 0; r < rb; r++) {
          std::memcpy(A + (size_t)r * K, in + ((size_t)t * b + r0 + r) * C, C * sizeof(R));
          std::memcpy(A + (size_t)r * K + C, h + (size_t)r * H, H * sizeof(R));
        }
        k_->lstm_infer_step(rb, K, H, A, K, L.pWxhb.data(), G, cells, ws.stepTanh.data(), hNext, L.s.gateAct,
                            false);
      }
    }
    c.outp = L.s.returnSequences ? &c.out[(size_t)b * H] : &c.out[(size_t)T * b * H];
  }

  /** RepeatVector, [1][b][C] -> [T][b][C]. */
  void repeatForward(const Layer<R>& L, int b, LayerCache<R>& c, const R* in) {
    const int C = L.inC;
    c.out.resize((size_t)L.outT * b * C);
    for (int t = 0; t < L.outT; t++) std::memcpy(&c.out[(size_t)t * b * C], in, (size_t)b * C * sizeof(R));
    c.outp = c.out.data();
  }

  /** Conv1D 'same', [T][b][C] -> [To][b][U]: the input unrolled into columns [To*b][k*C], one GEMM, bias, act. */
  void conv1dForward(const Layer<R>& L, int b, LayerCache<R>& c, const R* in) {
    const int T = L.inT, C = L.inC, U = L.s.units, k = L.s.kernel, s = L.s.stride, To = L.outT, kc = k * C;
    const R* w = w_.data() + L.woff;
    c.columns.assign((size_t)To * b * kc, R(0));
    for (int to = 0; to < To; to++)
      for (int j = 0; j < k; j++) {
        const int ti = to * s + j - L.padL;
        if (ti < 0 || ti >= T) continue;
        for (int r = 0; r < b; r++)
          std::memcpy(&c.columns[((size_t)to * b + r) * kc + (size_t)j * C], in + ((size_t)ti * b + r) * C,
                      C * sizeof(R));
      }
    c.out.resize((size_t)To * b * U);
    k_->gemm(To * b, kc, U, c.columns.data(), kc, 1, L.pW.data(), c.out.data(), U, false);
    addBiasAct(c.out.data(), To * b, U, w + (size_t)kc * U, L.s.act);
    c.outp = c.out.data();
  }

  /** UpSampling1D by f, [T][b][C] -> [T*f][b][C]. */
  void upsampleForward(const Layer<R>& L, int b, LayerCache<R>& c, const R* in) {
    const int C = L.inC, f = L.s.repeat;
    c.out.resize((size_t)L.outT * b * C);
    for (int t = 0; t < L.outT; t++)
      std::memcpy(&c.out[(size_t)t * b * C], in + (size_t)(t / f) * b * C, (size_t)b * C * sizeof(R));
    c.outp = c.out.data();
  }

  /** Dense on every step, [T][b][C] -> [T][b][U]. */
  void denseForward(const Layer<R>& L, int b, LayerCache<R>& c, const R* in) {
    const int T = L.inT, C = L.inC, U = L.s.units;
    const R* w = w_.data() + L.woff;
    c.out.resize((size_t)T * b * U);
    k_->gemm(T * b, C, U, in, C, 1, L.pW.data(), c.out.data(), U, false);
    addBiasAct(c.out.data(), T * b, U, w + (size_t)C * U, L.s.act);
    c.outp = c.out.data();
  }

  /** Dropout while training (a mask per cell, a pure function of its coordinates); the identity otherwise. */
  void dropoutForward(const Layer<R>& L, size_t l, const Work<R>& ws, LayerCache<R>& c, const R* in, bool training) {
    if (!training || !dropping_ || L.s.dropout <= 0) {
      c.outp = in;
      return;
    }
    const int b = ws.b, T = L.inT, C = L.inC;
    const size_t cells = (size_t)T * b * C;
    c.out.resize(cells);
    c.mask.resize(cells);
    const R keep = (R)(1 / (1 - L.s.dropout));
    for (int t = 0; t < T; t++)
      for (int r = 0; r < b; r++)
        for (int f = 0; f < C; f++) {
          const size_t i = ((size_t)t * b + r) * C + f;
          c.mask[i] = uniform(sp_.seed, step_, l, ws.r0 + r, (uint64_t)t * C + f) < L.s.dropout ? R(0) : keep;
          c.out[i] = in[i] * c.mask[i];
        }
    c.outp = c.out.data();
  }

  void addBiasAct(R* y, int rows, int U, const R* bias, int act) {
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < U; j++) y[(size_t)r * U + j] += bias[j];
    k_->act(y, (long)rows * U, act);
  }

  /** into = the column sums of d (rows x U). */
  static void colSums(const R* d, int rows, int U, R* into) {
    std::fill(into, into + U, R(0));
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < U; j++) into[j] += d[(size_t)r * U + j];
  }

  /**
   * The share's backward pass from dout_, last layer first: each layer writes its weights' gradients into ws.grad
   * and, but for the first, passes the gradient with respect to its input down.
   */
  void backward(Work<R>& ws) {
    const int b = ws.b;
    // Not zeroed: every layer writes each of its gradients once (the first product over a region stores, later ones
    // add), where a memset of every weight and then an accumulate cost a pass over them all per batch.
    ws.grad.resize(P_);
    ws.dtop.resize((size_t)outT_ * b * outC_);
    for (int r = 0; r < b; r++)
      for (int t = 0; t < outT_; t++)
        std::memcpy(&ws.dtop[((size_t)t * b + r) * outC_], &dout_[((size_t)(ws.r0 + r) * outT_ + t) * outC_],
                    outC_ * sizeof(R));
    R* d = ws.dtop.data();
    for (size_t li = layers_.size(); li-- > 0;) {
      const Layer<R>& L = layers_[li];
      LayerCache<R>& c = ws.cache[li];
      const R* in = li == 0 ? ws.xin.data() : ws.cache[li - 1].outp;
      R* gw = ws.grad.data() + L.woff;
      // The first layer's input is the data: no gradient to pass down, unless it is what is asked for.
      R* dIn = nullptr;
      if (li > 0 || inputGrad_) {
        c.dInput.resize((size_t)L.inT * b * L.inC);
        dIn = c.dInput.data();
      }
      switch (L.s.kind) {
        case L_LSTM:
          lstmBackward(L, li, ws, c, in, d, gw, dIn);
          break;
        case L_REPEAT:
          if (dIn) repeatBackward(L, b, d, dIn);
          break;
        case L_CONV1D:
          conv1dBackward(L, ws, c, d, gw, dIn);
          break;
        case L_UPSAMPLE:
          if (dIn) upsampleBackward(L, b, d, dIn);
          break;
        case L_DENSE:
          denseBackward(L, ws, c, in, d, gw, dIn);
          break;
        case L_DROPOUT:
          if (dIn) dropoutBackward(L, b, c, in, d, dIn);
          break;
      }
      if (!dIn) break;
      d = dIn;
    }
  }

  /**
   * LSTM backward through time, d: dh from above ([T][b][H] with sequences, else [b][H] at the last step): the
   * cell's backward per step gives the gates' gradients dG [T*b][4H] and dh_{t-1} = dG_t Wh^T; then the weights'
   * gradients over every step at once (dW = X^T dG, dWh = Hprev^T dG, dbias = column sums of dG), and
   * dX = dG W^T, masked as the forward pass was.
   */
  void lstmBackward(const Layer<R>& L, size_t li, Work<R>& ws, const LayerCache<R>& c, const R* in, const R* d,
                    R* gw, R* dIn) {
    const int b = ws.b, T = L.inT, C = L.inC, H = L.s.units, rows = T * b;
    const bool dropped = !c.droppedInput.empty();
    const R* xs = dropped ? c.droppedInput.data() : in;
    std::vector<R>& dG = ws.scratch;
    dG.resize((size_t)rows * 4 * H);
    std::vector<R>& dhc = ws.scratch2;
    dhc.assign((size_t)2 * b * H, R(0));  // dh, then dc
    R* dh = dhc.data();
    R* dc = dhc.data() + (size_t)b * H;
    for (int t = T - 1; t >= 0; t--) {
      if (L.s.returnSequences) {
        const R* dt = d + (size_t)t * b * H;
        for (size_t i = 0; i < (size_t)b * H; i++) dh[i] += dt[i];
      } else if (t == T - 1) {
        for (size_t i = 0; i < (size_t)b * H; i++) dh[i] += d[i];
      }
      R* dGt = &dG[(size_t)t * b * 4 * H];
      k_->lstm_cell_back(b, H, &c.gates[(size_t)t * b * 4 * H], &c.cells[(size_t)t * b * H],
                         &c.tanhCells[(size_t)t * b * H], dh, dc, dGt, L.s.gateAct);
      if (t > 0) k_->gemm(b, 4 * H, H, dGt, 4 * H, 1, L.pWhT.data(), dh, H, false);
    }
    // dWh over steps 1..T-1 only: the first step's h_{t-1} is zero (a sixteenth of dWh's work at 16 days). The
    // same packed steps serve dW, the first step's rows then added on their own.
    const int later = rows - b;
    pack(ws.packed, dG.data() + (size_t)b * 4 * H, later, 4 * H, 4 * H, 1);
    k_->gemm(H, later, 4 * H, c.out.data() + (size_t)b * H, 1, H, ws.packed.data(), gw + (size_t)C * 4 * H, 4 * H,
             false);
    colSums(dG.data(), rows, 4 * H, gw + (size_t)C * 4 * H + (size_t)H * 4 * H);
    if (repeatedInput(li)) {
      // The same input at every step: its gradients need only the gates' gradients summed over the steps,
      // dW = x^T sum_t dG_t and dx = (sum_t dG_t) W^T, given to the first step (RepeatVector sums the steps).
      std::vector<R>& sum = ws.scratch2;
      sum.assign(dG.begin(), dG.begin() + (size_t)b * 4 * H);
      for (int t = 1; t < T; t++) {
        const R* g = &dG[(size_t)t * b * 4 * H];
        for (size_t i = 0; i < (size_t)b * 4 * H; i++) sum[i] += g[i];
      }
      std::vector<R>& packedSum = ws.stepBase;
      pack(packedSum, sum.data(), b, 4 * H, 4 * H, 1);
      k_->gemm(C, b, 4 * H, xs, 1, C, packedSum.data(), gw, 4 * H, false);
      if (!dIn) return;
      k_->gemm(b, 4 * H, C, sum.data(), 4 * H, 1, L.pWT.data(), dIn, C, false);
      std::fill(dIn + (size_t)b * C, dIn + (size_t)rows * C, R(0));
    } else {
      k_->gemm(C, later, 4 * H, xs + (size_t)b * C, 1, C, ws.packed.data(), gw, 4 * H, false);
      std::vector<R>& packedFirst = ws.stepBase;
      pack(packedFirst, dG.data(), b, 4 * H, 4 * H, 1);
      k_->gemm(C, b, 4 * H, xs, 1, C, packedFirst.data(), gw, 4 * H, true);
      if (!dIn) return;
      k_->gemm(rows, 4 * H, C, dG.data(), 4 * H, 1, L.pWT.data(), dIn, C, false);
    }
    if (dropped) {
      // The same mask as the forward pass: it is a pure function of its coordinates.
      const R keep = (R)(1 / (1 - L.s.dropout));
      for (int r = 0; r < b; r++)
        for (int f = 0; f < C; f++) {
          const R m = uniform(sp_.seed, step_, li, ws.r0 + r, f) < L.s.dropout ? R(0) : keep;
          for (int t = 0; t < T; t++) dIn[((size_t)t * b + r) * C + f] *= m;
        }
    }
  }

  /** RepeatVector backward: the steps' gradients summed, [T][b][C] -> [1][b][C]. */
  void repeatBackward(const Layer<R>& L, int b, const R* d, R* dIn) {
    const int C = L.inC;
    std::fill(dIn, dIn + (size_t)b * C, R(0));
    for (int t = 0; t < L.outT; t++)
      for (size_t i = 0; i < (size_t)b * C; i++) dIn[i] += d[(size_t)t * b * C + i];
  }

  /**
   * Conv1D backward, d [To][b][U] (through the activation in place): dbias = column sums, dW = columns^T d,
   * dcolumns = d W^T [To*b][k*C], folded back onto the input's steps (col2im).
   */
  void conv1dBackward(const Layer<R>& L, Work<R>& ws, LayerCache<R>& c, R* d, R* gw, R* dIn) {
    const int b = ws.b, T = L.inT, C = L.inC, U = L.s.units, k = L.s.kernel, s = L.s.stride, To = L.outT;
    const int kc = k * C;
    k_->act_back(c.out.data(), d, (long)To * b * U, L.s.act);
    colSums(d, To * b, U, gw + (size_t)kc * U);
    pack(ws.packed, d, To * b, U, U, 1);
    k_->gemm(kc, To * b, U, c.columns.data(), 1, kc, ws.packed.data(), gw, U, false);
    if (!dIn) return;
    std::vector<R>& dcols = ws.scratch;
    dcols.resize((size_t)To * b * kc);
    k_->gemm(To * b, U, kc, d, U, 1, L.pWT.data(), dcols.data(), kc, false);
    std::fill(dIn, dIn + (size_t)T * b * C, R(0));
    for (int to = 0; to < To; to++)
      for (int j = 0; j < k; j++) {
        const int ti = to * s + j - L.padL;
        if (ti < 0 || ti >= T) continue;
        for (int r = 0; r < b; r++) {
          R* dst = &dIn[((size_t)ti * b + r) * C];
          const R* src = &dcols[((size_t)to * b + r) * kc + (size_t)j * C];
          for (int f = 0; f < C; f++) dst[f] += src[f];
        }
      }
  }

  /** UpSampling1D backward: each input step gets the sum of the f output steps it was copied to. */
  void upsampleBackward(const Layer<R>& L, int b, const R* d, R* dIn) {
    const int C = L.inC, f = L.s.repeat;
    std::fill(dIn, dIn + (size_t)L.inT * b * C, R(0));
    for (int t = 0; t < L.outT; t++)
      for (size_t i = 0; i < (size_t)b * C; i++) dIn[(size_t)(t / f) * b * C + i] += d[(size_t)t * b * C + i];
  }

  /** Dense backward, d [T][b][U] (through the activation in place): dbias, dW = X^T d, dX = d W^T. */
  void denseBackward(const Layer<R>& L, Work<R>& ws, LayerCache<R>& c, const R* in, R* d, R* gw, R* dIn) {
    const int b = ws.b, T = L.inT, C = L.inC, U = L.s.units;
    k_->act_back(c.out.data(), d, (long)T * b * U, L.s.act);
    colSums(d, T * b, U, gw + (size_t)C * U);
    pack(ws.packed, d, T * b, U, U, 1);
    k_->gemm(C, T * b, U, in, 1, C, ws.packed.data(), gw, U, false);
    if (dIn) k_->gemm(T * b, U, C, d, U, 1, L.pWT.data(), dIn, C, false);
  }

  /** Dropout backward: the gradient through the same mask (or unchanged where the layer was idle). */
  void dropoutBackward(const Layer<R>& L, int b, const LayerCache<R>& c, const R* in, const R* d, R* dIn) {
    const size_t cells = (size_t)L.inT * b * L.inC;
    const bool active = L.s.dropout > 0 && c.outp != in;
    for (size_t i = 0; i < cells; i++) dIn[i] = active ? d[i] * c.mask[i] : d[i];
  }

  /** The batch's loss; with `grad`, its gradient with respect to every output into dout_. */
  double lossOf(const R* x, const uint8_t* y, int n, bool grad) {
    return batchLoss(sp_, out_.data(), x, y, n, (size_t)outT_ * outC_, grad ? dout_.data() : nullptr);
  }

  NetSpec sp_;
  const Kernels<R>* k_;
  Pool pool_;
  std::vector<Layer<R>> layers_;
  size_t P_ = 0;
  int outT_ = 0, outC_ = 0;
  std::vector<R> w_, m_, v_, pending_, out_, dout_;
  std::vector<Work<R>> work_;
  bool packed_ = false, packedInference_ = false, hasPending_ = false;
  /** Dropout applies in a training forward pass (not in inputGradient's); the backward carries down to the input. */
  bool dropping_ = true, inputGrad_ = false;
  long adamT_ = 0;
  uint64_t step_ = 0;
};

#if defined(__x86_64__) || defined(_M_X64)
#define DT_X86 1
#endif

template <class R>
const Kernels<R>* kernelsFor(const std::string& isa);
template <>
const Kernels<float>* kernelsFor(const std::string& isa) {
#ifdef DT_X86
  if (isa == "avx512") return avx512::kernels_f32();
  if (isa == "avx2") return avx2::kernels_f32();
#endif
  if (isa == "base") return base::kernels_f32();
  throw std::invalid_argument("this build has no " + isa + " kernels");
}
template <>
const Kernels<double>* kernelsFor(const std::string& isa) {
#ifdef DT_X86
  if (isa == "avx512") return avx512::kernels_f64();
  if (isa == "avx2") return avx2::kernels_f64();
#endif
  if (isa == "base") return base::kernels_f64();
  throw std::invalid_argument("this build has no " + isa + " kernels");
}

}  // namespace

std::vector<std::string> usableIsas() {
  std::vector<std::string> out;
#ifdef DT_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma"))
    out.push_back("avx512");
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) out.push_back("avx2");
#endif
  out.push_back("base");
  return out;
}

std::string bestIsa() { return usableIsas().front(); }

double peakGflops(const std::string& isa, int threads, double seconds) {
  const Kernels<float>* k = kernelsFor<float>(isa);
  k->fma_peak(1 << 20);  // warm up the clocks
  long iters = 1 << 22;
  // Scale to roughly `seconds` on one thread first.
  auto t0 = std::chrono::steady_clock::now();
  k->fma_peak(iters);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  iters = (long)(iters * std::max(0.05, seconds / std::max(took, 1e-6)));
  std::vector<double> flops(threads);
  std::vector<std::thread> pool;
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < threads; i++) pool.emplace_back([&, i] { flops[i] = k->fma_peak(iters); });
  for (auto& t : pool) t.join();
  took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0;
  for (double f : flops) total += f;
  return total / took / 1e9;
}

std::unique_ptr<INet> makeNet(const NetSpec& spec, bool f64, const std::string& isa) {
  const auto ok = usableIsas();
  if (std::find(ok.begin(), ok.end(), isa) == ok.end())
    throw std::invalid_argument("this CPU cannot run the " + isa + " kernels");
  if (f64) return std::unique_ptr<INet>(new Net<double>(spec, kernelsFor<double>(isa)));
  return std::unique_ptr<INet>(new Net<float>(spec, kernelsFor<float>(isa)));
}

}  // namespace dt
