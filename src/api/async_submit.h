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
    auto shared = std::make_shared<Handler>(std::move(handler));
    auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(*shared));
    service.SubmitAsync(std::move(specs), [shared, work](SubmitResult result) mutable {
      boost::asio::post(work.get_executor(), [shared, r = std::move(result)]() mutable {
        std::move (*shared)(std::move(r));
      });
      work.reset();
    });
  };
  return boost::asio::async_initiate<CompletionToken, void(SubmitResult)>(std::move(initiation),
                                                                          token, std::move(specs));
}

}  // namespace conveyor::api
