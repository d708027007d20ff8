// GET /api/v1/events over real loopback HTTP against the real runtime and a SQLite store: the
// stream's headers, every transition of a job in order, the filters, resuming with
// Last-Event-ID and ?since=, progress events, the overflow of a slow subscriber, the per-node
// and per-key limits, a tenant's key seeing only its jobs, and HttpServer::Stop ending streams.
#include "api/events_resource.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api_fixture.h"
#include "sse_reader.h"

namespace conveyor::api::testing {
namespace {

using boost::beast::http::verb;

class EventsTest : public ApiFixture {
 protected:
  void ConfigureEvents(EventFeedOptions& o) override { o.max_subscribers = 3; }

  int64_t LastSeq() { return MustOk(store_->JobEventsLastSeq()); }
  static int64_t MustOk(Result<int64_t> r) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }
  // The next `n` job events of `reader`; fails the test when they do not come.
  static std::vector<SseEvent> Take(SseReader& reader, size_t n) {
    std::vector<SseEvent> out;
    while (out.size() < n) {
      auto e = reader.NextEvent();
      if (!e) break;
      if (e->event == "job") out.push_back(*e);
    }
    EXPECT_EQ(out.size(), n);
    return out;
  }
  static std::vector<std::string> States(const std::vector<SseEvent>& events) {
    std::vector<std::string> out;
    for (const SseEvent& e : events) out.emplace_back(e.Json().at("to").as_string());
    return out;
  }
};

constexpr const char* kNoop = R"({"type":"noop","payload":{}})";

TEST_F(EventsTest, StreamsEveryTransitionOfAJobInOrderWithItsHeaders) {
  const int64_t since = LastSeq();
  SseReader reader(port(), "/api/v1/events?since=" + std::to_string(since));
  ASSERT_EQ(reader.Status(), 200u) << reader.Head();
  EXPECT_NE(reader.Head().find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(reader.Head().find("Cache-Control: no-cache"), std::string::npos);
  EXPECT_EQ(reader.Head().find("Content-Length"), std::string::npos);
  const std::string id = MustSubmit(R"({"type":"noop","payload":{},"correlation_id":"c-1"})");
  const auto events = Take(reader, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(States(events), (std::vector<std::string>{"PENDING", "RUNNING", "SUCCEEDED"}));
  int64_t prev = since;
  for (const SseEvent& e : events) {
    const auto j = e.Json();
    EXPECT_EQ(j.at("job_id").as_string(), id);
    EXPECT_EQ(j.at("type").as_string(), "noop");
    EXPECT_EQ(j.at("queue").as_string(), "default");
    EXPECT_EQ(std::stoll(e.id), j.at("seq").as_int64());
    EXPECT_GT(j.at("seq").as_int64(), prev);
    prev = j.at("seq").as_int64();
    EXPECT_FALSE(j.as_object().contains("tenant"));
  }
  EXPECT_TRUE(events[0].Json().at("from").is_null());
  EXPECT_EQ(events[2].Json().at("from").as_string(), "RUNNING");
  EXPECT_EQ(events[2].Json().at("attempt").as_int64(), 1);
}

// Events pushed while the stream was writing the previous batch woke no one (the wake-up found
// no wait to cancel, and the next came only after the next Take): the stream slept until its
// 15 s keep-alive while its queue filled, and a client reading as fast as it could was told it
// had overflowed. Many small rounds make that race near certain; every event must arrive well
// before a keep-alive would have woken the stream.
TEST_F(EventsTest, EventsQueuedWhileAWriteIsUnderWayAreNotHeldBack) {
  SseReader reader(port(), "/api/v1/events?since=" + std::to_string(LastSeq()));
  ASSERT_EQ(reader.Status(), 200u);
  constexpr int kJobs = 150;
  std::thread submitter([this] {
    for (int i = 0; i < kJobs; ++i) {
      MustSubmit(kNoop);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(12);
  int got = 0;
  bool overflowed = false;
  while (got < 3 * kJobs && !overflowed && std::chrono::steady_clock::now() < deadline) {
    const std::optional<SseEvent> e = reader.NextEvent();
    if (!e) break;
    got += e->event == "job";
    overflowed = e->event == "overflow";
  }
  submitter.join();
  EXPECT_FALSE(overflowed);
  EXPECT_EQ(got, 3 * kJobs);
}

TEST_F(EventsTest, FiltersByTypeAndJobAndResumesAfterTheLastEventId) {
  const std::string since = std::to_string(LastSeq());
  SseReader by_type(port(), "/api/v1/events?type=fail,sleep&since=" + since);
  const std::string noop = MustSubmit(kNoop);
  const std::string failing =
      MustSubmit(R"({"type":"fail","payload":{"retryable":false},"max_attempts":1})");
  WaitForStatus(failing, "FAILED");
  WaitForStatus(noop, "SUCCEEDED");
  const auto seen = Take(by_type, 3);
  ASSERT_EQ(seen.size(), 3u);
  for (const SseEvent& e : seen) EXPECT_EQ(e.Json().at("job_id").as_string(), failing);
  EXPECT_EQ(States(seen), (std::vector<std::string>{"PENDING", "RUNNING", "FAILED"}));

  // The job filter, resumed after the first of its events: exactly the two after it.
  SseReader first(port(), "/api/v1/events?job_id=" + noop + "&since=" + since);
  const auto all = Take(first, 3);
  ASSERT_EQ(all.size(), 3u);
  SseReader resumed(port(), "/api/v1/events?job_id=" + noop + "&since=" + since,
                    {"Last-Event-ID: " + all[0].id});
  const auto rest = Take(resumed, 2);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].id, all[1].id);
  EXPECT_EQ(rest[1].id, all[2].id);
}

TEST_F(EventsTest, ProgressEventsForARunningJob) {
  SseReader reader(port(), "/api/v1/events?type=sleep");
  ASSERT_EQ(reader.Status(), 200u);
  const std::string id = MustSubmit(R"({"type":"sleep","payload":{"seconds":1.5}})");
  std::optional<SseEvent> progress;
  while (auto e = reader.NextEvent()) {
    // The first may come before the handler's first report reached the store (message null).
    if (e->event == "progress" && e->Json().at("message").is_string()) {
      progress = e;
      break;
    }
  }
  ASSERT_TRUE(progress.has_value());
  EXPECT_TRUE(progress->id.empty());  // not resumable
  const auto j = progress->Json();
  EXPECT_EQ(j.at("job_id").as_string(), id);
  EXPECT_TRUE(j.at("progress").is_number());
  EXPECT_EQ(j.at("message").as_string(), "sleeping");
}

TEST_F(EventsTest, MalformedResumePointsAreRefused) {
  SseReader header(port(), "/api/v1/events", {"Last-Event-ID: abc"});
  EXPECT_EQ(header.Status(), 400u);
  SseReader since(port(), "/api/v1/events?since=-1");
  EXPECT_EQ(since.Status(), 422u);
  std::string many = "/api/v1/events?queue=";
  for (size_t i = 0; i <= kMaxEventFilterValues; ++i) many += "q" + std::to_string(i) + ",";
  SseReader too_many(port(), many);
  EXPECT_EQ(too_many.Status(), 422u);
}

TEST_F(EventsTest, PastTheNodesLimitAnswers503) {
  SseReader a(port(), "/api/v1/events"), b(port(), "/api/v1/events"), c(port(), "/api/v1/events");
  ASSERT_EQ(a.Status(), 200u);
  ASSERT_EQ(b.Status(), 200u);
  ASSERT_EQ(c.Status(), 200u);
  SseReader d(port(), "/api/v1/events");
  EXPECT_EQ(d.Status(), 503u);
  EXPECT_NE(d.Head().find("application/problem+json"), std::string::npos);
  EXPECT_NE(d.Head().find("Retry-After"), std::string::npos);
}

TEST_F(EventsTest, AClientThatHangsUpFreesItsSlotBeforeAnyKeepAlive) {
  SseReader a(port(), "/api/v1/events"), b(port(), "/api/v1/events"), c(port(), "/api/v1/events");
  ASSERT_EQ(a.Status(), 200u);
  ASSERT_EQ(b.Status(), 200u);
  ASSERT_EQ(c.Status(), 200u);
  ASSERT_EQ(events_->subscribers(), 3u);
  b.Close();
  // Nothing is written to b meanwhile (no job, keep-alives every 15 s): only the server's read
  // of the connection can notice it is gone. Bounded wait, well under a keep-alive interval.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (events_->subscribers() > 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(events_->subscribers(), 2u);
  SseReader d(port(), "/api/v1/events");
  EXPECT_EQ(d.Status(), 200u);
}

TEST_F(EventsTest, ServerStopEndsEveryStream) {
  SseReader a(port(), "/api/v1/events"), b(port(), "/api/v1/events?type=noop");
  ASSERT_EQ(a.Status(), 200u);
  ASSERT_EQ(b.Status(), 200u);
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_TRUE(a.WaitForClose());
  EXPECT_TRUE(b.WaitForClose());
  // Well inside the 10 s grace: the streams ended, they were not waited out.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(events_->subscribers(), 0u);
}

class SlowSubscriberTest : public EventsTest {
 protected:
  void ConfigureEvents(EventFeedOptions& o) override { o.queue_capacity = 2; }
};

TEST_F(SlowSubscriberTest, ASubscriberThatFallsBehindIsToldAndDisconnected) {
  const int64_t since = LastSeq();
  for (int i = 0; i < 3; ++i) WaitForStatus(MustSubmit(kNoop), "SUCCEEDED");
  // Nine events wait in the store; one catch-up round queues them all at once: past 2.
  SseReader reader(port(), "/api/v1/events?since=" + std::to_string(since));
  std::vector<SseEvent> got;
  while (auto e = reader.NextEvent()) got.push_back(*e);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().event, "overflow");
  EXPECT_LT(got.size() - 1, 9u);  // some were dropped rather than queued without bound
  EXPECT_TRUE(reader.closed());
  if (got.size() > 1) {
    EXPECT_EQ(got.back().Json().at("last_seq").as_int64(), std::stoll(got[got.size() - 2].id));
  }
}

class TenantEventsTest : public EventsTest {
 protected:
  void ConfigureServer(ServerConfig& c) override { c.auth_required = true; }
  void ConfigureEvents(EventFeedOptions& o) override { o.max_subscribers_per_owner = 2; }
  void SetUp() override {
    EventsTest::SetUp();
    ASSERT_TRUE(keys_->SetTenant("acme", "free").ok());
    ASSERT_TRUE(keys_->SetTenant("globex", "free").ok());
    acme_ = Key("acme-app", "acme");
    globex_ = Key("globex-app", "globex");
  }
  std::string Key(const std::string& name, const std::string& tenant) {
    auto created = keys_->Create(
        {.name = name, .scopes = "jobs:submit,jobs:read", .tenant = std::optional(tenant)});
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->key : "";
  }
  std::string SubmitAs(const std::string& key) {
    Reply r =
        client().Send(verb::post, "/api/v1/jobs", kNoop, {{"Authorization", "Bearer " + key}});
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.status == 201 ? std::string(r.Json().at("id").as_string()) : "";
  }
  std::string acme_, globex_;
};

TEST_F(TenantEventsTest, ATenantsKeySeesOnlyItsJobsAndHasItsOwnStreamLimit) {
  SseReader anonymous(port(), "/api/v1/events");
  EXPECT_EQ(anonymous.Status(), 401u);
  const std::string since = std::to_string(LastSeq());
  SseReader acme(port(), "/api/v1/events?since=" + since, {"Authorization: Bearer " + acme_});
  ASSERT_EQ(acme.Status(), 200u) << acme.Head();
  SubmitAs(globex_);
  const std::string mine = SubmitAs(acme_);
  const auto events = Take(acme, 3);
  ASSERT_EQ(events.size(), 3u);
  for (const SseEvent& e : events) {
    EXPECT_EQ(e.Json().at("job_id").as_string(), mine);
    EXPECT_EQ(e.Json().at("tenant").as_string(), "acme");
  }
  SseReader second(port(), "/api/v1/events", {"Authorization: Bearer " + acme_});
  EXPECT_EQ(second.Status(), 200u);
  SseReader third(port(), "/api/v1/events", {"Authorization: Bearer " + acme_});
  EXPECT_EQ(third.Status(), 429u);
  SseReader other(port(), "/api/v1/events", {"Authorization: Bearer " + globex_});
  EXPECT_EQ(other.Status(), 200u);
}

}  // namespace
}  // namespace conveyor::api::testing
