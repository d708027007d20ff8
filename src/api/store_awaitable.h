// Store calls as Asio asynchronous operations, so a session coroutine can `co_await` one without
// blocking its io thread: AsyncSubmit (JobService::SubmitAsync, answered on the store's writer
// thread or inline) and AsyncStoreCall (a blocking runtime call run on ExternalLeases' helper
// threads). Both are AsyncStoreCallback, the one adapter: the answer comes back on another thread
// and is posted to the awaiting coroutine's own executor (its strand), so the session resumes
// where it belongs. Many sessions can have a call in flight at once, which is what lets the store
// group-commit them under one fsync.
//
// Lifetime rule: the `done` callback (and any copy of it) may be destroyed later, on the thread
// that ran it, after the awaiting coroutine's io_context is gone (RoutesTest's teardown saw it as
// an ASan heap-use-after-free). So `done`, when it runs, gives up everything that refers to that
// io_context, the completion handler and the work guard with its executor; what is left is an
// empty shared block. `done` must still *run* while the io_context lives (HttpServer::Stop waits
// for that), and a `done` that never runs must be destroyed while it lives.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "runtime/job_service.h"
#include "runtime/work/external_leases.h"

namespace conveyor::api {

// Calls `start(done)` when the operation is initiated; `start` hands `done` (a copyable
// std::function<void(T)>) to whatever answers, which calls it exactly once, from any thread. The
// operation completes with that T on the completion handler's associated executor.
template <class T, class Start, class CompletionToken>
auto AsyncStoreCallback(Start start, CompletionToken&& token) {
  auto initiation = [](auto handler, Start start) {
    using Handler = decltype(handler);
    using Guard =
        decltype(boost::asio::make_work_guard(boost::asio::get_associated_executor(handler)));
    // std::function needs a copyable callback and the handler is move-only: both live in a block
    // the copies share, emptied by whichever copy runs (the lifetime rule above).
    struct State {
      std::optional<Guard> work;
      std::optional<Handler> handler;
    };
    auto state = std::make_shared<State>();
    state->work.emplace(
        boost::asio::make_work_guard(boost::asio::get_associated_executor(handler)));
    state->handler.emplace(std::move(handler));
    std::move(start)(std::function<void(T)>([state](T result) {
      boost::asio::post(state->work->get_executor(),
                        [h = std::move(*state->handler), r = std::move(result)]() mutable {
                          std::move(h)(std::move(r));
                        });
      state->handler.reset();
      state->work.reset();
    }));
  };
  return boost::asio::async_initiate<CompletionToken, void(T)>(std::move(initiation), token,
                                                               std::move(start));
}

using SubmitResult = Result<std::vector<InsertOutcome>>;

// JobService::SubmitAsync, awaitable.
template <class CompletionToken>
auto AsyncSubmit(JobService& service, std::vector<JobSpec> specs, CompletionToken&& token) {
  return AsyncStoreCallback<SubmitResult>(
      [&service, specs = std::move(specs)](std::function<void(SubmitResult)> done) mutable {
        service.SubmitAsync(std::move(specs), std::move(done));
      },
      std::forward<CompletionToken>(token));
}

// Runs `fn` (returning T; it may wait for the store's fsync) on ExternalLeases' helper threads.
// `fn` runs on another thread while the coroutine is suspended: it may refer to the coroutine's
// locals, nothing else that the session might change meanwhile.
template <class T, class Fn, class CompletionToken>
auto AsyncStoreCall(ExternalLeases& leases, Fn fn, CompletionToken&& token) {
  return AsyncStoreCallback<T>(
      [&leases, fn = std::move(fn)](std::function<void(T)> done) mutable {
        leases.Post([fn = std::move(fn), done = std::move(done)]() mutable { done(fn()); });
      },
      std::forward<CompletionToken>(token));
}

}  // namespace conveyor::api
