// A fixed set of worker threads that run one job's parts at a time: the native engine's only threading.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace dt {

/**
 * Runs job(part) for parts 0..n-1, part 0 on the calling thread.
 *
 * A training step hands out five or six jobs a millisecond or so apart, and waking a sleeping worker through the
 * kernel took 30 us each time (2.5% of the reference LSTM's training step on 2 cores), so both sides spin for a
 * short while before they sleep: a worker that has just finished is usually asked again within that. Past the
 * spin they block, so an idle pool costs nothing.
 */
class Pool {
 public:
  explicit Pool(int threads) {
    for (int i = 1; i < threads; i++) workers_.emplace_back([this, i] { loop(i); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_.store(true);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }
  int size() const { return (int)workers_.size() + 1; }
  void run(int parts, const std::function<void(int)>& job) {
    if (parts <= 1 || workers_.empty()) {
      for (int p = 0; p < parts; p++) job(p);
      return;
    }
    job_ = &job;
    parts_ = parts;
    error_ = nullptr;
    pending_.store((int)workers_.size());
    // Publishes the job. Sequentially consistent, as is a sleeper's count before it checks gen_: either this
    // sees the sleeper and wakes it, or the sleeper sees the new generation and does not sleep.
    gen_.fetch_add(1);
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> l(mu_);
      wake_.notify_all();
    }
    std::exception_ptr mine;
    try {
      job(0);
    } catch (...) {
      mine = std::current_exception();
    }
    if (!spinUntil([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> l(mu_);
      callerWaiting_.store(true);
      done_.wait(l, [&] { return pending_.load() == 0; });
      callerWaiting_.store(false);
    }
    job_ = nullptr;
    if (mine) std::rethrow_exception(mine);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  /** Spins for up to 100 us until ready(); false if it never came. */
  template <class Ready>
  static bool spinUntil(Ready ready) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(100);
    for (int i = 0;; i++) {
      if (ready()) return true;
      relax();
      if ((i & 63) == 63 && std::chrono::steady_clock::now() > until) return ready();
    }
  }
  static void relax() {
#if defined(__x86_64__) || defined(_M_X64)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
  }

  void loop(int id) {
    long seen = 0;
    for (;;) {
      if (!spinUntil([&] { return gen_.load(std::memory_order_acquire) != seen || stop_.load(); })) {
        std::unique_lock<std::mutex> l(mu_);
        sleepers_.fetch_add(1);
        wake_.wait(l, [&] { return stop_.load() || gen_.load() != seen; });
        sleepers_.fetch_sub(1);
      }
      if (stop_.load()) return;
      // The caller posts the next job only once every part of this one is done, so gen_ is this job's.
      seen = gen_.load(std::memory_order_acquire);
      if (id < parts_) try {
          (*job_)(id);
        } catch (...) {
          std::lock_guard<std::mutex> l(mu_);
          error_ = std::current_exception();
        }
      // The same pairing as gen_ and sleepers_: the last part either sees a waiting caller or the caller sees
      // pending_ at zero before it waits.
      if (pending_.fetch_sub(1) == 1 && callerWaiting_.load()) {
        std::lock_guard<std::mutex> l(mu_);
        done_.notify_one();
      }
    }
  }
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  std::atomic<int> pending_{0}, sleepers_{0};
  std::atomic<long> gen_{0};
  std::atomic<bool> stop_{false}, callerWaiting_{false};
  std::exception_ptr error_;
};

}  // namespace dt
