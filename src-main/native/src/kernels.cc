// Per-ISA kernels (see kernels.h). Built three times: DT_NS=avx512 with
// -mavx512f -mfma, DT_NS=avx2 with -mavx2 -mfma, DT_NS=base with the compiler's
// baseline (SSE2 on x86-64, NEON on arm64). Vectors are GCC/Clang vector
// extensions, so one source gives 16-, 8- or 4-wide code.
#include <math.h>
#include <string.h>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "kernels.h"

#ifndef DT_NS
#error "DT_NS (the instruction-set namespace) must be defined"
#endif

#if defined(__AVX512F__)
#define DT_VB 64
#elif defined(__AVX2__)
#define DT_VB 32
#else
#define DT_VB 16
#endif

namespace dt {
namespace DT_NS {
namespace {

template <class R>
struct V;
template <>
struct V<float> {
  typedef float v __attribute__((vector_size(DT_VB)));
  typedef float u __attribute__((vector_size(DT_VB), aligned(4)));
  static constexpr int W = DT_VB / 4;
};
template <>
struct V<double> {
  typedef double v __attribute__((vector_size(DT_VB)));
  typedef double u __attribute__((vector_size(DT_VB), aligned(8)));
  static constexpr int W = DT_VB / 8;
};

// Rows of a micro-tile: 2 x MR accumulators of W lanes stay in registers
// (32 registers with AVX-512, 16 with AVX2 / SSE / NEON).
constexpr int MR = DT_VB == 64 ? 8 : 6;

template <class R>
constexpr int NR = 2 * V<R>::W;

template <class R>
size_t packed_size(int K, int N) {
  return (size_t)((N + NR<R> - 1) / NR<R>) * (size_t)K * NR<R>;
}

template <class R>
void pack(const R* src, int K, int N, long rs, long cs, R* out) {
  const int nr = NR<R>;
  const int panels = (N + nr - 1) / nr;
  for (int p = 0; p < panels; p++) {
    const int n0 = p * nr;
    const int w = N - n0 < nr ? N - n0 : nr;
    R* dst = out + (size_t)p * K * nr;
    if (cs == 1) {
      for (int k = 0; k < K; k++) {
        const R* s = src + k * rs + n0;
        R* d = dst + (size_t)k * nr;
        for (int j = 0; j < w; j++) d[j] = s[j];
        for (int j = w; j < nr; j++) d[j] = 0;
      }
      continue;
    }
    // A transpose (the backward pass's W^T): blocks of 16 k so the reads run along the source's rows while the
    // 16 panel rows being written stay in L1; 4x the element-by-element gather at 512 x 128.
    for (int k0 = 0; k0 < K; k0 += 16) {
      const int kb = K - k0 < 16 ? K - k0 : 16;
      for (int j = 0; j < w; j++) {
        const R* s = src + (long)(n0 + j) * cs + (long)k0 * rs;
        for (int kk = 0; kk < kb; kk++) dst[(size_t)(k0 + kk) * nr + j] = s[kk * rs];
      }
      for (int kk = 0; kk < kb; kk++)
        for (int j = w; j < nr; j++) dst[(size_t)(k0 + kk) * nr + j] = 0;
    }
  }
}

template <class R, int ROWS>
inline void micro(int K, const R* A, long ars, long acs, const R* Bp, R* C, long ldc, int ncols, bool acc) {
  typedef typename V<R>::v v;
  typedef typename V<R>::u u;
  constexpr int W = V<R>::W;
  v c0[ROWS], c1[ROWS];
#pragma GCC unroll 8
  for (int i = 0; i < ROWS; i++) {
    c0[i] = v{};
    c1[i] = v{};
  }
  for (int k = 0; k < K; k++) {
    const v b0 = *(const u*)(Bp + (size_t)k * 2 * W);
    const v b1 = *(const u*)(Bp + (size_t)k * 2 * W + W);
    const R* a = A + k * acs;
#pragma GCC unroll 8
    for (int i = 0; i < ROWS; i++) {
      const R s = a[i * ars];
      c0[i] += s * b0;
      c1[i] += s * b1;
    }
  }
  if (ncols == 2 * W) {
#pragma GCC unroll 8
    for (int i = 0; i < ROWS; i++) {
      u* p = (u*)(C + i * ldc);
      u* q = (u*)(C + i * ldc + W);
      if (acc) {
        *p += c0[i];
        *q += c1[i];
      } else {
        *p = c0[i];
        *q = c1[i];
      }
    }
    return;
  }
  for (int i = 0; i < ROWS; i++) {
    R t[2 * W];
    memcpy(t, &c0[i], sizeof(v));
    memcpy(t + W, &c1[i], sizeof(v));
    R* c = C + i * ldc;
    if (acc)
      for (int j = 0; j < ncols; j++) c[j] += t[j];
    else
      for (int j = 0; j < ncols; j++) c[j] = t[j];
  }
}

template <class R, int ROWS>
inline void tail(int rows, int K, const R* A, long ars, long acs, const R* Bp, R* C, long ldc, int nc, bool acc) {
  if constexpr (ROWS > 0) {
    if (rows == ROWS)
      micro<R, ROWS>(K, A, ars, acs, Bp, C, ldc, nc, acc);
    else
      tail<R, ROWS - 1>(rows, K, A, ars, acs, Bp, C, ldc, nc, acc);
  }
}

template <class R>
void gemm(int M, int K, int N, const R* A, long ars, long acs, const R* Bp, R* C, long ldc, bool acc) {
  const int nr = NR<R>;
  const int panels = (N + nr - 1) / nr;
  for (int p = 0; p < panels; p++) {
    const R* bp = Bp + (size_t)p * K * nr;
    const int nc = N - p * nr < nr ? N - p * nr : nr;
    R* cp = C + p * nr;
    int i = 0;
    for (; i + MR <= M; i += MR) micro<R, MR>(K, A + i * ars, ars, acs, bp, cp + i * ldc, ldc, nc, acc);
    if (i < M) tail<R, MR - 1>(M - i, K, A + i * ars, ars, acs, bp, cp + i * ldc, ldc, nc, acc);
  }
}

// ---- elementwise functions -------------------------------------------------

typedef V<float>::v vf;
typedef V<float>::u vfu;
typedef int vi __attribute__((vector_size(DT_VB)));

inline vf splat(float s) { return vf{} + s; }

// exp for float lanes: Cody-Waite range reduction and the Cephes polynomial;
// relative error about 2e-7 over the clamped range.
inline vf vexp(vf x) {
  const vf hi = splat(88.0f), lo = splat(-87.0f);
  x = x > hi ? hi : x;
  x = x < lo ? lo : x;
  vf r = x * 1.44269504088896341f + 12582912.0f;
  r = r - 12582912.0f;
  vf f = x - r * 0.693359375f;
  f = f - r * -2.12194440e-4f;
  vf p = splat(1.9875691500e-4f);
  p = p * f + 1.3981999507e-3f;
  p = p * f + 8.3334519073e-3f;
  p = p * f + 4.1665795894e-2f;
  p = p * f + 1.6666665459e-1f;
  p = p * f + 5.0000001201e-1f;
  p = p * f * f + f + 1.0f;
  vi e = __builtin_convertvector(r, vi);
  vi bits = (e + 127) << 23;
  return p * (vf)bits;
}

inline vf vsigmoid(vf x) { return 1.0f / (vexp(-x) + 1.0f); }
inline vf vtanh(vf x) { return 1.0f - 2.0f / (vexp(x + x) + 1.0f); }

// The first n (1..W) lanes from p, the rest zero / stored back: a row's tail (an LSTM of 21 units) without a
// scalar loop or a library call per row.
#if defined(__AVX2__) && !defined(__AVX512F__)
inline __m256i lanes_below(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#endif
inline vf load_n(const float* p, int n) {
  constexpr int W = V<float>::W;
  if (n == W) return *(const vfu*)p;
#if defined(__AVX512F__)
  return (vf)_mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
#elif defined(__AVX2__)
  return (vf)_mm256_maskload_ps(p, lanes_below(n));
#else
  vf t = {};
  memcpy(&t, p, (size_t)n * sizeof(float));
  return t;
#endif
}
inline void store_n(float* p, vf v, int n) {
  constexpr int W = V<float>::W;
  if (n == W) {
    *(vfu*)p = v;
    return;
  }
#if defined(__AVX512F__)
  _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)v);
#elif defined(__AVX2__)
  _mm256_maskstore_ps(p, lanes_below(n), (__m256)v);
#else
  memcpy(p, &v, (size_t)n * sizeof(float));
#endif
}
inline vf vhard(vf x) {
  vf y = x * 0.2f + 0.5f;
  y = y < splat(0.0f) ? splat(0.0f) : y;
  return y > splat(1.0f) ? splat(1.0f) : y;
}
inline vf vrelu(vf x) { return x < splat(0.0f) ? splat(0.0f) : x; }

template <class Fn>
inline void map_into(const float* src, float* dst, long n, Fn fn) {
  constexpr int W = V<float>::W;
  long i = 0;
  for (; i + W <= n; i += W) *(vfu*)(dst + i) = fn(*(const vfu*)(src + i));
  if (i < n) {
    vf t = {};
    memcpy(&t, src + i, (size_t)(n - i) * sizeof(float));
    t = fn(t);
    memcpy(dst + i, &t, (size_t)(n - i) * sizeof(float));
  }
}

inline void act_f32(const float* src, float* dst, long n, int a) {
  switch (a) {
    case ACT_RELU:
      map_into(src, dst, n, vrelu);
      break;
    case ACT_SIGMOID:
      map_into(src, dst, n, vsigmoid);
      break;
    case ACT_TANH:
      map_into(src, dst, n, vtanh);
      break;
    case ACT_HARD_SIGMOID:
      map_into(src, dst, n, vhard);
      break;
    default:
      if (src != dst) memcpy(dst, src, (size_t)n * sizeof(float));
  }
}

// Doubles are the gradient-checking precision: exact libm functions, no speed needed.
inline double sig64(double x) { return 1.0 / (1.0 + exp(-x)); }
inline void act_f64(const double* src, double* dst, long n, int a) {
  for (long i = 0; i < n; i++) {
    const double x = src[i];
    switch (a) {
      case ACT_RELU:
        dst[i] = x < 0 ? 0 : x;
        break;
      case ACT_SIGMOID:
        dst[i] = sig64(x);
        break;
      case ACT_TANH:
        dst[i] = tanh(x);
        break;
      case ACT_HARD_SIGMOID:
        dst[i] = x * 0.2 + 0.5 < 0 ? 0 : (x * 0.2 + 0.5 > 1 ? 1 : x * 0.2 + 0.5);
        break;
      default:
        dst[i] = x;
    }
  }
}

inline void act_any(const float* s, float* d, long n, int a) { act_f32(s, d, n, a); }
inline void act_any(const double* s, double* d, long n, int a) { act_f64(s, d, n, a); }

template <class R>
void act(R* y, long n, int a) {
  act_any(y, y, n, a);
}

template <class R>
inline R act_grad(R y, int a) {
  switch (a) {
    case ACT_RELU:
      return y > 0 ? R(1) : R(0);
    case ACT_SIGMOID:
      return y * (R(1) - y);
    case ACT_TANH:
      return R(1) - y * y;
    case ACT_HARD_SIGMOID:
      return y > 0 && y < 1 ? R(0.2) : R(0);
    default:
      return R(1);
  }
}

template <class R>
void act_back(const R* y, R* dy, long n, int a) {
  switch (a) {
    case ACT_RELU:
      for (long i = 0; i < n; i++) dy[i] = y[i] > 0 ? dy[i] : R(0);
      break;
    case ACT_SIGMOID:
      for (long i = 0; i < n; i++) dy[i] *= y[i] * (R(1) - y[i]);
      break;
    case ACT_TANH:
      for (long i = 0; i < n; i++) dy[i] *= R(1) - y[i] * y[i];
      break;
    case ACT_HARD_SIGMOID:
      for (long i = 0; i < n; i++) dy[i] = y[i] > 0 && y[i] < 1 ? dy[i] * R(0.2) : R(0);
      break;
    default:
      break;
  }
}

template <class R>
void lstm_cell_any(int b, int H, R* G, const R* cprev, R* c, R* tc, R* h, int gateAct) {
  for (int r = 0; r < b; r++) {
    R* g = G + (size_t)r * 4 * H;
    act_any(g, g, 2L * H, gateAct);
    act_any(g + 2 * H, g + 2 * H, H, ACT_TANH);
    act_any(g + 3 * H, g + 3 * H, H, gateAct);
    const R* cp = cprev + (size_t)r * H;
    R* cr = c + (size_t)r * H;
    for (int j = 0; j < H; j++) cr[j] = g[H + j] * cp[j] + g[j] * g[2 * H + j];
    R* t = tc + (size_t)r * H;
    act_any(cr, t, H, ACT_TANH);
    R* hr = h + (size_t)r * H;
    for (int j = 0; j < H; j++) hr[j] = g[3 * H + j] * t[j];
  }
}

// The float cell in one pass over a row, W units at a time, for the gate activations models use (sigmoid,
// hard sigmoid): each gate is read once, activated in registers and stored, where the generic cell makes a pass
// per gate and for tanh(c). Its backward folds the gates' activation derivatives in the same way.
template <int GA>
inline vf gate_v(vf x) {
  if constexpr (GA == ACT_SIGMOID)
    return vsigmoid(x);
  else
    return vhard(x);
}
template <int GA>
inline vf gate_grad_v(vf y) {
  if constexpr (GA == ACT_SIGMOID)
    return y * (1.0f - y);
  else
    return (y > splat(0.0f)) & (y < splat(1.0f)) ? splat(0.2f) : splat(0.0f);
}

// A map over a row of n floats in place, tail included.
template <class Fn>
inline void map_row(float* x, int n, Fn fn) {
  constexpr int W = V<float>::W;
  for (int j = 0; j < n; j += W) {
    const int k = n - j < W ? n - j : W;
    store_n(x + j, fn(load_n(x + j, k)), k);
  }
}

template <int GA>
void cell_f32(int b, int H, float* G, const float* cprev, float* c, float* tc, float* h) {
  constexpr int W = V<float>::W;
  for (int r = 0; r < b; r++) {
    float* g = G + (size_t)r * 4 * H;
    const float* cp = cprev + (size_t)r * H;
    float* cr = c + (size_t)r * H;
    float* t = tc + (size_t)r * H;
    float* hr = h + (size_t)r * H;
    // A pass per activation: each vector's exp is a long dependent chain, and short independent loops keep
    // several in flight where one pass doing all five in a row stalls on them.
    map_row(g, 2 * H, gate_v<GA>);
    map_row(g + 2 * H, H, vtanh);
    map_row(g + 3 * H, H, gate_v<GA>);
    for (int j = 0; j < H; j += W) {
      const int n = H - j < W ? H - j : W;
      // c_{t-1} is read before c_t is stored: in inference they are one buffer.
      const vf cc = load_n(g + H + j, n) * load_n(cp + j, n) + load_n(g + j, n) * load_n(g + 2 * H + j, n);
      store_n(cr + j, cc, n);
    }
    for (int j = 0; j < H; j += W) {
      const int n = H - j < W ? H - j : W;
      const vf tt = vtanh(load_n(cr + j, n));
      store_n(t + j, tt, n);
      store_n(hr + j, load_n(g + 3 * H + j, n) * tt, n);
    }
  }
}

template <int GA>
void cell_back_f32(int b, int H, const float* G, const float* cprev, const float* tc, const float* dh, float* dc,
                   float* dG) {
  constexpr int W = V<float>::W;
  for (int r = 0; r < b; r++) {
    const float* g = G + (size_t)r * 4 * H;
    const float* cp = cprev + (size_t)r * H;
    const float* t = tc + (size_t)r * H;
    const float* d = dh + (size_t)r * H;
    float* dcr = dc + (size_t)r * H;
    float* o = dG + (size_t)r * 4 * H;
    for (int j = 0; j < H; j += W) {
      const int n = H - j < W ? H - j : W;
      const vf i = load_n(g + j, n), f = load_n(g + H + j, n), gg = load_n(g + 2 * H + j, n);
      const vf og = load_n(g + 3 * H + j, n), tt = load_n(t + j, n), dj = load_n(d + j, n);
      const vf dC = dj * og * (1.0f - tt * tt) + load_n(dcr + j, n);
      store_n(o + j, dC * gg * gate_grad_v<GA>(i), n);
      store_n(o + H + j, dC * load_n(cp + j, n) * gate_grad_v<GA>(f), n);
      store_n(o + 2 * H + j, dC * i * (1.0f - gg * gg), n);
      store_n(o + 3 * H + j, dj * tt * gate_grad_v<GA>(og), n);
      store_n(dcr + j, dC * f, n);
    }
  }
}

template <class R>
void lstm_cell(int b, int H, R* G, const R* cprev, R* c, R* tc, R* h, int gateAct) {
  if constexpr (sizeof(R) == sizeof(float)) {
    if (gateAct == ACT_SIGMOID) return cell_f32<ACT_SIGMOID>(b, H, G, cprev, c, tc, h);
    if (gateAct == ACT_HARD_SIGMOID) return cell_f32<ACT_HARD_SIGMOID>(b, H, G, cprev, c, tc, h);
  }
  lstm_cell_any(b, H, G, cprev, c, tc, h, gateAct);
}

template <class R>
void lstm_infer_step(int M, int K, int H, const R* A, long lda, const R* Bp, R* G, R* c, R* tc, R* h,
                     int gateAct, bool accumulate) {
  const int N = 4 * H, nr = NR<R>, panels = (N + nr - 1) / nr;
  for (int i = 0; i < M; i += MR) {
    const int rows = M - i < MR ? M - i : MR;
    for (int p = 0; p < panels; p++) {
      const int nc = N - p * nr < nr ? N - p * nr : nr;
      R* g = G + (size_t)i * N + p * nr;
      const R* bp = Bp + (size_t)p * K * nr;
      if (rows == MR)
        micro<R, MR>(K, A + (size_t)i * lda, lda, 1, bp, g, N, nc, accumulate);
      else
        tail<R, MR - 1>(rows, K, A + (size_t)i * lda, lda, 1, bp, g, N, nc, accumulate);
    }
    lstm_cell(rows, H, G + (size_t)i * N, c + (size_t)i * H, c + (size_t)i * H, tc + (size_t)i * H, h + (size_t)i * H,
              gateAct);
  }
}

template <class R>
void lstm_cell_back_any(int b, int H, const R* G, const R* cprev, const R* tc, const R* dh, R* dc, R* dG,
                        int gateAct) {
  for (int r = 0; r < b; r++) {
    const R* g = G + (size_t)r * 4 * H;
    const R* cp = cprev + (size_t)r * H;
    const R* t = tc + (size_t)r * H;
    const R* d = dh + (size_t)r * H;
    R* dcr = dc + (size_t)r * H;
    R* o = dG + (size_t)r * 4 * H;
    for (int j = 0; j < H; j++) {
      const R i = g[j], f = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
      const R dC = d[j] * og * (R(1) - t[j] * t[j]) + dcr[j];
      o[j] = dC * gg;
      o[H + j] = dC * cp[j];
      o[2 * H + j] = dC * i * (R(1) - gg * gg);
      o[3 * H + j] = d[j] * t[j];
      dcr[j] = dC * f;
    }
    act_back(g, o, 2L * H, gateAct);
    act_back(g + 3 * H, o + 3 * H, H, gateAct);
  }
}

template <class R>
void lstm_cell_back(int b, int H, const R* G, const R* cprev, const R* tc, const R* dh, R* dc, R* dG, int gateAct) {
  if constexpr (sizeof(R) == sizeof(float)) {
    if (gateAct == ACT_SIGMOID) return cell_back_f32<ACT_SIGMOID>(b, H, G, cprev, tc, dh, dc, dG);
    if (gateAct == ACT_HARD_SIGMOID) return cell_back_f32<ACT_HARD_SIGMOID>(b, H, G, cprev, tc, dh, dc, dG);
  }
  lstm_cell_back_any(b, H, G, cprev, tc, dh, dc, dG, gateAct);
}

// The optimizer's passes over every parameter, vectorised: one slice of the weights per thread (net.cc).

// out = the parts' gradients summed, in part order; returns their sum of squares.
template <class R>
double reduce_grads(long n, int parts, const R* const* src, R* out) {
  // Eight sums of squares side by side: lanes the compiler can keep in one register, added up at the end.
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    R g[8];
    for (int j = 0; j < 8; j++) g[j] = src[0][i + j];
    for (int p = 1; p < parts; p++)
      for (int j = 0; j < 8; j++) g[j] += src[p][i + j];
    for (int j = 0; j < 8; j++) {
      out[i + j] = g[j];
      acc[j] += (double)g[j] * (double)g[j];
    }
  }
  double sq = 0;
  for (; i < n; i++) {
    R g = src[0][i];
    for (int p = 1; p < parts; p++) g += src[p][i];
    out[i] = g;
    sq += (double)g * (double)g;
  }
  for (int j = 0; j < 8; j++) sq += acc[j];
  return sq;
}

template <class R>
void scale(long n, R* x, R s) {
  for (long i = 0; i < n; i++) x[i] *= s;
}

template <class R>
void adam(long n, R* w, R* m, R* v, const R* g, R rate, R b1, R b2, R c1, R c2, R eps) {
  for (long i = 0; i < n; i++) {
    const R mi = b1 * m[i] + (1 - b1) * g[i];
    const R vi = b2 * v[i] + (1 - b2) * g[i] * g[i];
    m[i] = mi;
    v[i] = vi;
    w[i] -= rate * (mi / c1) / (sqrt(vi / c2) + eps);
  }
}

// Twelve independent multiply-add chains: enough in flight to fill both FMA pipes.
template <class R>
double fma_peak(long iters) {
  typedef typename V<R>::v v;
  constexpr int K = 12;
  v acc[K];
  for (int i = 0; i < K; i++) acc[i] = v{} + R(i) * R(1e-3);
  const v a = v{} + R(0.999999), b = v{} + R(1e-7);
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
    for (int i = 0; i < K; i++) acc[i] = acc[i] * a + b;
  }
  R sink = 0;
  for (int i = 0; i < K; i++) {
    R t[V<R>::W];
    memcpy(t, &acc[i], sizeof(v));
    sink += t[0];
  }
  // Keeps the loop: the result is observed.
  return (double)iters * K * V<R>::W * 2 + (sink == R(-1) ? 1 : 0);
}

#define DT_STR2(x) #x
#define DT_STR(x) DT_STR2(x)

template <class R>
const Kernels<R> table = {
    DT_STR(DT_NS), NR<R>,          packed_size<R>, pack<R>,        gemm<R>, lstm_cell<R>, lstm_infer_step<R>,
    lstm_cell_back<R>, act<R>, act_back<R>, reduce_grads<R>, scale<R>, adam<R>, fma_peak<R>,
};

}  // namespace

const Kernels<float>* kernels_f32() { return &table<float>; }
const Kernels<double>* kernels_f64() { return &table<double>; }

}  // namespace DT_NS
}  // namespace dt
