// AsyncStoreCall: runs a blocking runtime call (one that may wait for the store's fsync) on
// ExternalLeases' helper threads as an Asio asynchronous operation, so a session coroutine can
// `co_await` it without blocking its io thread. The result is posted back to the awaiting
// coroutine's own executor (its strand), as AsyncSubmit does for submits. Concurrent calls from
// many sessions reach the store together, which lets it group-commit them.
// `fn` runs on another thread while the coroutine is suspended: it may refer to the coroutine's
// locals, nothing else that the session might change meanwhile.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <utility>

#include "runtime/work/external_leases.h"

namespace conveyor::api {

template <class T, class Fn, class CompletionToken>
auto AsyncStoreCall(ExternalLeases& leases, Fn fn, CompletionToken&& token) {
  auto initiation = [&leases](auto handler, Fn fn) {
    using Handler = decltype(handler);
    // std::function needs a copyable callback; the completion handler is move-only.
    auto shared = std::make_shared<Handler>(std::move(handler));
    auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(*shared));
    leases.Post([shared, work, fn = std::move(fn)]() mutable {
      T result = fn();
      boost::asio::post(work.get_executor(), [shared, r = std::move(result)]() mutable {
        std::move (*shared)(std::move(r));
      });
      work.reset();
    });
  };
  return boost::asio::async_initiate<CompletionToken, void(T)>(std::move(initiation), token,
                                                               std::move(fn));
}

}  // namespace conveyor::api
