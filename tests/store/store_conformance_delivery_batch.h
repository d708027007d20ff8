// Store conformance, part 14: DeliveryRecordMany, the webhook dispatcher's one write per round.
// Every record gets the answer DeliveryRecord would give it, a delivery named twice in one call
// takes one attempt, and records of one call do not disturb each other. Included by
// store_conformance.h; see there how a backend plugs in.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_conformance_extras.h"

namespace conveyor::testing {

template <class Factory>
class StoreDeliveryBatchConformance : public StoreExtrasConformance<Factory> {
 protected:
  static DeliveryRecordParams Rec(const Job& j, int n, DeliveryOutcome outcome, TimeMs now,
                                  std::optional<int> status_code, std::string error = "",
                                  TimeMs next_attempt_at = 0) {
    return {.job_id = j.id,
            .n = n,
            .now = now,
            .outcome = outcome,
            .next_attempt_at = next_attempt_at,
            .payload = "{\"job\":\"" + j.id + "\"}",
            .status_code = status_code,
            .error = std::move(error),
            .duration_ms = 7};
  }
  std::vector<Status> RecordMany(const std::vector<DeliveryRecordParams>& records) {
    return MustOk(this->store().DeliveryRecordMany(records), "record many");
  }
  std::vector<StatusCode> Codes(const std::vector<Status>& statuses) {
    std::vector<StatusCode> codes;
    for (const Status& s : statuses) codes.push_back(s.code());
    return codes;
  }
};
TYPED_TEST_SUITE_P(StoreDeliveryBatchConformance);

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TYPED_TEST_P(StoreDeliveryBatchConformance, AppliesEveryOutcomeOfTheCall) {
  const Job ok = this->SucceededAt(kT0 + 10);
  const Job retry = this->SucceededAt(kT0 + 10);
  const Job gone = this->SucceededAt(kT0 + 10);
  ASSERT_EQ(this->ClaimDue(kT0 + 10).size(), 3u);
  const auto out = this->RecordMany(
      {this->Rec(ok, 1, DeliveryOutcome::kDelivered, kT0 + 20, 200),
       this->Rec(retry, 1, DeliveryOutcome::kRetry, kT0 + 21, 503, "HTTP 503", kT0 + 5000),
       this->Rec(gone, 1, DeliveryOutcome::kFailed, kT0 + 22, 410, "HTTP 410")});
  EXPECT_THAT(this->Codes(out), ElementsAre(StatusCode::kOk, StatusCode::kOk, StatusCode::kOk));

  const WebhookDelivery d = this->Deliveries(ok.id).at(0);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.payload, "{\"job\":\"" + ok.id + "\"}");
  EXPECT_EQ(d.delivered_at, kT0 + 20);
  EXPECT_EQ(d.last_status, 200);
  EXPECT_EQ(d.last_error, std::nullopt);
  ASSERT_EQ(d.attempt_log.size(), 1u);
  EXPECT_EQ(d.attempt_log[0].at, kT0 + 20);
  EXPECT_EQ(d.attempt_log[0].duration_ms, 7);

  const WebhookDelivery r = this->Deliveries(retry.id).at(0);
  EXPECT_EQ(r.state, DeliveryState::kPending);
  EXPECT_EQ(r.next_attempt_at, kT0 + 5000);
  EXPECT_EQ(r.last_error, "HTTP 503");
  EXPECT_EQ(r.updated_at, kT0 + 21);
  ASSERT_EQ(r.attempt_log.size(), 1u);
  EXPECT_EQ(r.attempt_log[0].status_code, 503);

  const WebhookDelivery g = this->Deliveries(gone.id).at(0);
  EXPECT_EQ(g.state, DeliveryState::kFailed);
  EXPECT_EQ(g.delivered_at, std::nullopt);
  EXPECT_EQ(g.attempt_log.at(0).error, "HTTP 410");

  EXPECT_EQ(this->CountPending(), 1);
  EXPECT_THAT(this->ClaimDue(kT0 + 4999), IsEmpty());
  ASSERT_EQ(this->ClaimDue(kT0 + 5000).size(), 1u);
}

TYPED_TEST_P(StoreDeliveryBatchConformance, AnswersEachRecordOnItsOwn) {
  const Job done = this->SucceededAt(kT0 + 10);
  const Job fresh = this->SucceededAt(kT0 + 10);
  MustOk(this->store().DeliveryRecord(
             this->Rec(done, 1, DeliveryOutcome::kDelivered, kT0 + 15, 200)),
         "first record");
  const auto out =
      this->RecordMany({this->Rec(done, 1, DeliveryOutcome::kDelivered, kT0 + 20, 200),
                        this->Rec(fresh, 1, DeliveryOutcome::kRetry, kT0 + 20, 500, "x", kT0 + 9),
                        this->Rec(fresh, 2, DeliveryOutcome::kDelivered, kT0 + 20, 200),
                        this->Rec(MakeJob(), 1, DeliveryOutcome::kDelivered, kT0 + 20, 200),
                        this->Rec(fresh, 1, DeliveryOutcome::kDelivered, kT0 + 20, 200)});
  EXPECT_THAT(this->Codes(out),
              ElementsAre(StatusCode::kFailedPrecondition, StatusCode::kOk,
                          StatusCode::kNotFound, StatusCode::kNotFound,
                          StatusCode::kInvalidArgument));
  // The refused records changed nothing; the repeated delivery took its first record only.
  const WebhookDelivery d = this->Deliveries(done.id).at(0);
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.delivered_at, kT0 + 15);
  const auto fs = this->Deliveries(fresh.id);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].state, DeliveryState::kPending);
  EXPECT_EQ(fs[0].attempts, 1);
  EXPECT_EQ(fs[0].next_attempt_at, kT0 + 9);
  EXPECT_EQ(fs[0].attempt_log.size(), 1u);
}

TYPED_TEST_P(StoreDeliveryBatchConformance, AnEmptyCallAnswersNothing) {
  EXPECT_THAT(this->RecordMany({}), IsEmpty());
}

// A round as large as the dispatcher's default flight, each record with its own payload.
TYPED_TEST_P(StoreDeliveryBatchConformance, ARoundOfManyRecordsLandsWhole) {
  constexpr int kJobs = 300;
  std::vector<Job> jobs;
  for (int i = 0; i < kJobs; ++i) {
    Job j = MakeJob();
    j.webhook_url = kHookUrl;
    jobs.push_back(std::move(j));
  }
  jobs = MustInsertMany(this->store(), std::move(jobs));
  JobCompleteManyParams complete{.now = kT0 + 10};
  for (const Job& j : MustClaim(this->store(), kJobs)) {
    complete.completions.push_back({.id = j.id, .lease_token = j.lease->token, .result = "{}"});
  }
  MustOk(this->store().JobCompleteMany(complete), "complete");
  ASSERT_EQ(this->ClaimDue(kT0 + 10, kJobs).size(), static_cast<size_t>(kJobs));
  std::vector<DeliveryRecordParams> records;
  for (const Job& j : jobs) {
    records.push_back(this->Rec(j, 1, DeliveryOutcome::kDelivered, kT0 + 20, 204));
  }
  const auto out = this->RecordMany(records);
  ASSERT_EQ(out.size(), static_cast<size_t>(kJobs));
  for (const Status& s : out) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(this->CountPending(), 0);
  const WebhookDelivery last = this->Deliveries(jobs.back().id).at(0);
  EXPECT_EQ(last.payload, "{\"job\":\"" + jobs.back().id + "\"}");
  EXPECT_EQ(last.attempt_log.size(), 1u);
}

REGISTER_TYPED_TEST_SUITE_P(StoreDeliveryBatchConformance, AppliesEveryOutcomeOfTheCall,
                            AnswersEachRecordOnItsOwn, AnEmptyCallAnswersNothing,
                            ARoundOfManyRecordsLandsWhole);

}  // namespace conveyor::testing
