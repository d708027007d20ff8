// AsyncStoreCallback, the adapter under AsyncSubmit and AsyncStoreCall: the answer arrives on
// another thread and resumes the coroutine on its own executor; and the lifetime rule, which ASan
// checks: the store may destroy the callback, or a copy of it, after the io_context is gone.
#include "api/store_awaitable.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

namespace conveyor::api {
namespace {

namespace asio = boost::asio;

// A coroutine on its own io_context awaiting one AsyncStoreCallback<int>. The test plays the
// store: `done` is the callback the coroutine handed over, and `kept` a copy the store holds on to.
struct AwaitingCoroutine {
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>();
  std::function<void(int)> done;
  std::function<void(int)> kept;
  std::optional<int> answer;
  std::thread::id resumed_on;

  AwaitingCoroutine() {
    asio::co_spawn(*io, Await(), asio::detached);
    while (!done) io->run_one();  // up to the co_await: the operation has started
  }

  asio::awaitable<void> Await() {
    answer = co_await AsyncStoreCallback<int>(
        [this](std::function<void(int)> d) {
          done = d;
          kept = d;
        },
        asio::use_awaitable);
    resumed_on = std::this_thread::get_id();
  }

  // Calls `done` on another thread, as the store's writer thread does, and waits for it.
  void AnswerFromAnotherThread(int value) {
    std::thread store([d = std::move(done), value] { d(value); });
    store.join();
  }
};

TEST(StoreAwaitableTest, ResumesOnTheAwaitingExecutorWithTheAnswer) {
  AwaitingCoroutine c;
  c.AnswerFromAnotherThread(42);
  EXPECT_FALSE(c.answer);  // posted to the io_context, not run on the store's thread
  while (!c.answer) c.io->run_one();
  EXPECT_EQ(c.answer, 42);
  EXPECT_EQ(c.resumed_on, std::this_thread::get_id());
}

// Regression (3eceff3): a copy of the callback still held by the store kept the work guard (and
// the handler), and destroying it after the io_context was freed touched the freed scheduler.
TEST(StoreAwaitableTest, ACallbackCopyDestroyedAfterTheIoContextTouchesNothingFreed) {
  AwaitingCoroutine c;
  c.AnswerFromAnotherThread(42);
  while (!c.answer) c.io->run_one();
  c.io.reset();
  c.kept = nullptr;  // under ASan, a heap-use-after-free if the copy still refers to the io_context
}

// A server stopping with a submit in flight: the answer arrives after io_context.stop(), so the
// coroutine is never resumed; the io_context is destroyed, and only then does the store destroy
// the callback it ran (no copies this time: what it still holds is the handler's share).
TEST(StoreAwaitableTest, ACallbackRunAfterStopAndDestroyedAfterTheIoContextTouchesNothingFreed) {
  AwaitingCoroutine c;
  c.done = nullptr;
  c.io->stop();
  std::thread store([&c] { c.kept(42); });
  store.join();
  c.io.reset();
  EXPECT_FALSE(c.answer);
  c.kept = nullptr;  // under ASan, a heap-use-after-free if the callback still holds the handler
}

}  // namespace
}  // namespace conveyor::api
