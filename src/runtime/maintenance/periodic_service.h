// PeriodicService: the base of a background service that does one pass of work at Start() and
// then every `interval` on its own thread until Stop() (River's maintenance services). A derived
// class writes RunOnce() — one pass, which must not throw — and, when it has something to say
// on the way out, OnStopped().
//
// Lifecycle contract:
//   - Start() starts the thread; a second Start(), or a Start() after Stop(), does nothing.
//   - Stop() wakes the thread, waits for the pass in progress to end, joins, then calls
//     OnStopped() once — only if the loop ever ran. Stop() is safe twice (the second returns at
//     once) and before Start() (nothing runs, ever).
//   - The thread calls the derived class's RunOnce(), so a derived class must call Stop() in
//     its own destructor: by the time ~PeriodicService runs, the derived part is gone.
// Thread-safety: Start() and Stop() may be called from any thread, but not from RunOnce().
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace conveyor {

class PeriodicService {
 public:
  PeriodicService(const PeriodicService&) = delete;
  PeriodicService& operator=(const PeriodicService&) = delete;

  void Start();
  void Stop();

 protected:
  // `interval` below 1 ms counts as 1 ms.
  explicit PeriodicService(std::chrono::milliseconds interval);
  const std::chrono::milliseconds interval_;
  // Stop() must have been called (by the derived class's destructor).
  virtual ~PeriodicService();

  // One pass, on the service's thread.
  virtual void RunOnce() = 0;
  // After the last pass, on the thread that called Stop().
  virtual void OnStopped() {}
  // How long to sleep after the pass that just ended (on the service's thread); `interval` by
  // default. A service that knows when its next work falls due (the Expirer) answers that.
  virtual std::chrono::milliseconds NextWait() { return interval_; }
  // For a pass that works in steps: waits `pause` unless Stop() is called meanwhile; true when
  // it was (the pass should end). Service thread only.
  bool PauseOrStopped(std::chrono::milliseconds pause);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;  // guarded by mu_
  bool stopped_ = false;  // guarded by mu_
  std::thread thread_;    // set once under mu_ by Start(); joined by the first Stop()
};

}  // namespace conveyor
