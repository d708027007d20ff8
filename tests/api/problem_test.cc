#include "api/problem.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/response.h"

namespace conveyor::api {
namespace {

unsigned HttpStatusFor(const Status& s) { return Describe(ErrorFromStatus(s).kind).status; }

TEST(ProblemTest, StatusCodesMapToHttp) {
  EXPECT_EQ(HttpStatusFor(Status::InvalidArgument("x")), 422u);
  EXPECT_EQ(HttpStatusFor(Status::NotFound("x")), 404u);
  EXPECT_EQ(HttpStatusFor(Status::Conflict("x")), 409u);
  EXPECT_EQ(HttpStatusFor(Status::FailedPrecondition("x")), 409u);
  EXPECT_EQ(HttpStatusFor(Status::ResourceExhausted("x")), 429u);
  EXPECT_EQ(HttpStatusFor(Status::Unavailable("x")), 503u);
  EXPECT_EQ(HttpStatusFor(Status::InsufficientStorage("x")), 507u);
  EXPECT_EQ(HttpStatusFor(Status::Cancelled("x")), 503u);
  EXPECT_EQ(HttpStatusFor(Status::Internal("x")), 500u);
}

TEST(ProblemTest, KindsOutsideStatusHaveTheirOwnCodes) {
  EXPECT_EQ(Describe(ErrorKind::kMalformed).status, 400u);
  EXPECT_EQ(Describe(ErrorKind::kRouteNotFound).status, 404u);
  EXPECT_EQ(Describe(ErrorKind::kMethodNotAllowed).status, 405u);
  EXPECT_EQ(Describe(ErrorKind::kPayloadTooLarge).status, 413u);
  EXPECT_EQ(Describe(ErrorKind::kUnsupportedMediaType).status, 415u);
  EXPECT_EQ(Describe(ErrorKind::kHeadersTooLarge).status, 431u);
}

TEST(ProblemTest, WritesProblemJson) {
  Response r;
  WriteProblem({ErrorKind::kInvalidField, "priority must be an integer from 1 to 10 \"q\""},
               "/api/v1/jobs", &r);
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_FALSE(r.retry_after);
  const auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v.at("type").as_string(), "https://conveyor.dev/problems/invalid-field");
  EXPECT_EQ(v.at("title").as_string(), "Invalid field");
  EXPECT_EQ(v.at("status").as_int64(), 422);
  EXPECT_EQ(v.at("detail").as_string(), "priority must be an integer from 1 to 10 \"q\"");
  EXPECT_EQ(v.at("instance").as_string(), "/api/v1/jobs");
}

TEST(ProblemTest, UnavailableAsksToRetry) {
  Response r;
  WriteProblem(ErrorFromStatus(Status::Unavailable("store down")), "/ready", &r);
  EXPECT_EQ(r.status, 503u);
  EXPECT_TRUE(r.retry_after);
  std::string head;
  SerializeResponseHead(r, 11, true, "cid-1", &head);
  EXPECT_NE(head.find("HTTP/1.1 503 Service Unavailable\r\n"), std::string::npos);
  EXPECT_NE(head.find("Retry-After: 1\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Correlation-Id: cid-1\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Length: " + std::to_string(r.body.size()) + "\r\n"),
            std::string::npos);
  EXPECT_EQ(head.find("Connection:"), std::string::npos);
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
}

// A full disk is the operator's to fix (507), not a bug (500); the client may come back later.
TEST(ProblemTest, FullDiskIsInsufficientStorageWithRetryAfter) {
  Response r;
  WriteProblem(ErrorFromStatus(Status::InsufficientStorage("disk full: free space")), "/jobs", &r);
  EXPECT_EQ(r.status, 507u);
  EXPECT_TRUE(r.retry_after);
  const auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v.at("type").as_string(), "https://conveyor.dev/problems/insufficient-storage");
  EXPECT_EQ(v.at("detail").as_string(), "disk full: free space");
  std::string head;
  SerializeResponseHead(r, 11, true, "", &head);
  EXPECT_NE(head.find("HTTP/1.1 507 Insufficient Storage\r\n"), std::string::npos) << head;
}

TEST(ProblemTest, ConnectionHeaderFollowsKeepAliveAndVersion) {
  Response r;
  std::string head;
  SerializeResponseHead(r, 11, false, "", &head);
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos);
  head.clear();
  SerializeResponseHead(r, 10, true, "", &head);
  EXPECT_NE(head.find("Connection: keep-alive\r\n"), std::string::npos);
}

}  // namespace
}  // namespace conveyor::api
