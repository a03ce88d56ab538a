// A fixed set of worker threads that run one job's parts at a time: the native engine's only threading.
#pragma once
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dt {

/** Runs job(part) for parts 0..n-1, part 0 on the calling thread. */
class Pool {
 public:
  explicit Pool(int threads) {
    for (int i = 1; i < threads; i++) workers_.emplace_back([this, i] { loop(i); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
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
    {
      std::lock_guard<std::mutex> l(mu_);
      job_ = &job;
      parts_ = parts;
      pending_ = (int)workers_.size();
      error_ = nullptr;
      gen_++;
    }
    wake_.notify_all();
    std::exception_ptr mine;
    try {
      job(0);
    } catch (...) {
      mine = std::current_exception();
    }
    std::unique_lock<std::mutex> l(mu_);
    done_.wait(l, [&] { return pending_ == 0; });
    job_ = nullptr;
    if (mine) std::rethrow_exception(mine);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void loop(int id) {
    long seen = 0;
    for (;;) {
      const std::function<void(int)>* job;
      int parts;
      {
        std::unique_lock<std::mutex> l(mu_);
        wake_.wait(l, [&] { return stop_ || gen_ != seen; });
        if (stop_) return;
        seen = gen_;
        job = job_;
        parts = parts_;
      }
      std::exception_ptr err;
      if (id < parts) try {
          (*job)(id);
        } catch (...) {
          err = std::current_exception();
        }
      std::lock_guard<std::mutex> l(mu_);
      if (err) error_ = err;
      if (--pending_ == 0) done_.notify_one();
    }
  }
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0, pending_ = 0;
  long gen_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace dt
