// The hot loops, compiled once per instruction set (kernels.cc with DT_NS =
// avx512 / avx2 / base) and chosen at run time. Everything here is plain
// functions over raw pointers: no std containers or other inline library code,
// so the per-ISA copies cannot be folded together by the linker and leak
// AVX-512 instructions into the portable path.
#pragma once
#include <cstddef>

namespace dt {

enum Act { ACT_LINEAR = 0, ACT_RELU = 1, ACT_SIGMOID = 2, ACT_TANH = 3, ACT_HARD_SIGMOID = 4 };

template <class R>
struct Kernels {
  const char* isa;
  /** Columns per packed panel of B. */
  int nr;
  /** Floats a packed K x N matrix takes. */
  size_t (*packed_size)(int K, int N);
  /** Packs B(k, n) = src[k * rs + n * cs] into panels (zero padded). */
  void (*pack)(const R* src, int K, int N, long rs, long cs, R* out);
  /** C[M, N] (+)= A[M, K] B, A(i, k) = A[i * ars + k * acs], B packed. */
  void (*gemm)(int M, int K, int N, const R* A, long ars, long acs, const R* Bp, R* C, long ldc, bool accumulate);
  /**
   * One LSTM step for b rows: G (4H per row, gate order i f c o) holds the
   * pre-activations and gets the activations; c = f*cprev + i*g; tc = tanh(c); h = o*tc.
   */
  void (*lstm_cell)(int b, int H, R* G, const R* cprev, R* c, R* tc, R* h, int gateAct);
  /**
   * One LSTM inference step for M rows: G = A Bp (the pre-activations, 4H per row, from [x | h | 1] rows of A
   * and the packed [W; Wh; bias]), then the cell, an 8-row tile at a time, so a tile's gates are still in L1
   * when the cell reads them. c holds c_{t-1} in and c_t out; h gets h_t (H per row). With `accumulate`, G
   * comes in holding a share of the pre-activations already (G += A Bp).
   */
  void (*lstm_infer_step)(int M, int K, int H, const R* A, long lda, const R* Bp, R* G, R* c, R* tc, R* h,
                          int gateAct, bool accumulate);
  /**
   * Its backward: dh (in), dc (in: from step t+1, out: to step t-1) -> dG
   * (pre-activation gradients, 4H per row).
   */
  void (*lstm_cell_back)(int b, int H, const R* G, const R* cprev, const R* tc, const R* dh, R* dc, R* dG,
                         int gateAct);
  /** y = act(y), in place. */
  void (*act)(R* y, long n, int act);
  /** dy *= act'(x) where y = act(x), from y. */
  void (*act_back)(const R* y, R* dy, long n, int act);
  /** out[i] = the sum over parts of src[p][i], in part order; returns the sum of squares of out. */
  double (*reduce_grads)(long n, int parts, const R* const* src, R* out);
  /** x *= s. */
  void (*scale)(long n, R* x, R s);
  /** Adam's step as TensorFlow.js takes it: m, v updated, w -= rate (m / c1) / (sqrt(v / c2) + eps). */
  void (*adam)(long n, R* w, R* m, R* v, const R* g, R rate, R b1, R b2, R c1, R c2, R eps);
  /** Runs `iters` rounds of independent FMAs in registers: the core's peak; returns the FLOPs done. */
  double (*fma_peak)(long iters);
};

namespace avx512 {
const Kernels<float>* kernels_f32();
const Kernels<double>* kernels_f64();
}  // namespace avx512
namespace avx2 {
const Kernels<float>* kernels_f32();
const Kernels<double>* kernels_f64();
}  // namespace avx2
namespace base {
const Kernels<float>* kernels_f32();
const Kernels<double>* kernels_f64();
}  // namespace base

}  // namespace dt
