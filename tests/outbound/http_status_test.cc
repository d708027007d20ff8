// IsRetryableHttpStatus: the one classification http.request, document.pipeline and webhook
// attempts share.
#include "outbound/http_status.h"

#include <gtest/gtest.h>

namespace conveyor {
namespace {

TEST(IsRetryableHttpStatusTest, TimeoutTooManyRequestsAndServerErrorsAreRetried) {
  for (long status : {408L, 429L, 500L, 502L, 503L, 504L, 599L, 600L}) {
    EXPECT_TRUE(IsRetryableHttpStatus(status)) << status;
  }
}

TEST(IsRetryableHttpStatusTest, SuccessRedirectsAndOtherClientErrorsAreNot) {
  for (long status : {0L, 100L, 200L, 201L, 204L, 301L, 302L, 304L, 400L, 401L, 403L, 404L, 407L,
                      409L, 410L, 413L, 428L, 431L, 499L}) {
    EXPECT_FALSE(IsRetryableHttpStatus(status)) << status;
  }
}

}  // namespace
}  // namespace conveyor
