// AsyncSubmit: JobService::SubmitAsync as an Asio asynchronous operation, so a session coroutine
// can `co_await` a durable submit without blocking its io thread. JobService calls back on the
// store's writer thread (or inline); the result is posted back to the awaiting coroutine's own
// executor (its strand), so the session resumes where it belongs. Many sessions can have a
// submit in flight at once, which is what lets the store group-commit them under one fsync.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "runtime/job_service.h"

namespace conveyor::api {

using SubmitResult = Result<std::vector<InsertOutcome>>;

template <class CompletionToken>
auto AsyncSubmit(JobService& service, std::vector<JobSpec> specs, CompletionToken&& token) {
  auto initiation = [&service](auto handler, std::vector<JobSpec> specs) {
    using Handler = decltype(handler);
    // std::function needs a copyable callback; the completion handler is move-only.
    using Guard = decltype(boost::asio::make_work_guard(boost::asio::get_associated_executor(handler)));
    // The store may destroy this callback (and copies of it) later, on its own thread, after the
    // server's io_context is gone: so the callback gives up everything that refers to that
    // io_context (the handler and the work guard with its executor) when it runs.
    struct State {
      std::optional<Guard> work;
      std::optional<Handler> handler;
    };
    auto state = std::make_shared<State>();
    state->work.emplace(boost::asio::make_work_guard(boost::asio::get_associated_executor(handler)));
    state->handler.emplace(std::move(handler));
    service.SubmitAsync(std::move(specs), [state](SubmitResult result) {
      auto executor = state->work->get_executor();
      boost::asio::post(executor, [h = std::move(*state->handler), r = std::move(result)]() mutable {
        std::move(h)(std::move(r));
      });
      state->handler.reset();
      state->work.reset();
    });
  };
  return boost::asio::async_initiate<CompletionToken, void(SubmitResult)>(std::move(initiation),
                                                                          token, std::move(specs));
}

}  // namespace conveyor::api
