// No silent forever (issue 10): over real HTTP, a job type that no handler, alias, declared
// external type or external worker serves is a 422 at submit that names the type as the client
// wrote it, suggests the nearest names and says how to declare one; declared and learned types
// are accepted; the seeds' task names are aliases whose payloads are validated as their targets'.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api_fixture.h"

namespace conveyor::api::testing {
namespace {

class UnservedTypesTest : public ApiFixture {
 protected:
  void ConfigureRuntime(RuntimeConfig& runtime) override {
    runtime.external_types = {"billing.charge", "images.*"};
  }

  // The problem's detail for a 422, failing the test on any other answer.
  std::string Detail422(const std::string& path, const std::string& body) {
    Reply r = client().Post(path, body);
    EXPECT_EQ(r.status, 422u) << r.body;
    if (r.status != 422) return "";
    return std::string(r.Json().at("detail").as_string());
  }
};

TEST_F(UnservedTypesTest, TypoOfABuiltinIs422WithSuggestionInTheClientsFieldName) {
  std::string d = Detail422("/api/v1/jobs", R"({"type":"squre_sum","payload":{"data":[1]}})");
  EXPECT_EQ(d.rfind("type 'squre_sum' is not served by this node", 0), 0u) << d;
  EXPECT_NE(d.find("did you mean square_sum?"), std::string::npos) << d;
  d = Detail422("/api/v1/jobs", R"({"operation":"squre_sum","data":[1,2]})");
  EXPECT_EQ(d.rfind("operation 'squre_sum'", 0), 0u) << d;
  d = Detail422("/api/v1/jobs", R"({"task":"validate_csv_jb","params":{}})");
  EXPECT_EQ(d.rfind("task 'validate_csv_jb'", 0), 0u) << d;
  EXPECT_NE(d.find("did you mean validate_csv_job?"), std::string::npos) << d;
}

TEST_F(UnservedTypesTest, UndeclaredTypeIs422SayingHowToDeclareIt) {
  const std::string d = Detail422("/api/v1/jobs", R"({"type":"video.encode","payload":{}})");
  EXPECT_NE(d.find("--external-types video.encode"), std::string::npos) << d;
  EXPECT_NE(d.find("POST /leases"), std::string::npos) << d;
  EXPECT_EQ(d.find("did you mean"), std::string::npos) << "nothing is near: " << d;
}

TEST_F(UnservedTypesTest, TypesDeclaredByTheOperatorAreAccepted) {
  const std::string a = MustSubmit(R"({"type":"billing.charge","payload":{}})");
  const std::string b = MustSubmit(R"({"type":"images.resize","payload":{}})");
  EXPECT_EQ(client().Get("/api/v1/jobs/" + a).Json().at("status").as_string(), "PENDING");
  EXPECT_EQ(client().Get("/api/v1/jobs/" + b).Json().at("type").as_string(), "images.resize");
}

TEST_F(UnservedTypesTest, TypeNamedInALeaseIsAcceptedFromThenOn) {
  Detail422("/api/v1/jobs", R"({"type":"pdf.render","payload":{}})");
  Reply lease = client().Post("/api/v1/leases", R"({"worker_id":"w1","types":["pdf.render"]})");
  ASSERT_EQ(lease.status, 200u) << lease.body;
  const std::string id = MustSubmit(R"({"type":"pdf.render","payload":{}})");
  // The worker that named it can take it.
  lease = client().Post("/api/v1/leases", R"({"worker_id":"w1","types":["pdf.render"]})");
  ASSERT_EQ(lease.status, 200u) << lease.body;
  ASSERT_EQ(lease.Json().at("jobs").as_array().size(), 1u) << lease.body;
  EXPECT_EQ(lease.Json().at("jobs").as_array()[0].at("id").as_string(), id);
}

TEST_F(UnservedTypesTest, CatchAllLeaseDeclaresNothing) {
  Reply lease = client().Post("/api/v1/leases", R"({"worker_id":"w1"})");
  ASSERT_EQ(lease.status, 200u) << lease.body;
  Detail422("/api/v1/jobs", R"({"type":"pdf.render","payload":{}})");
}

// The alias is a built-in name: a lease without `types` must not take it from the workers.
TEST_F(UnservedTypesTest, CatchAllLeaseLeavesSeedAliasesToTheirHandlers) {
  const std::string aliased =
      MustSubmit(R"({"type":"send_email","payload":{"to":"a@example.com","subject":"s",
                 "body":"b"}})");
  const std::string external = MustSubmit(R"({"type":"images.crop","payload":{}})");
  Reply lease = client().Post("/api/v1/leases", R"({"worker_id":"w1","max":100})");
  ASSERT_EQ(lease.status, 200u) << lease.body;
  const boost::json::value body = lease.Json();
  std::vector<std::string> ids;
  for (const auto& job : body.at("jobs").as_array()) ids.emplace_back(job.at("id").as_string());
  EXPECT_EQ(ids, std::vector<std::string>{external}) << "not " << aliased;
}

TEST_F(UnservedTypesTest, BatchItemIndexIsInTheMessageAndNothingIsStored) {
  const std::string d =
      Detail422("/api/v1/jobs/batch",
                R"({"jobs":[{"type":"noop"},{"type":"noop"},{"type":"images.x"},{"type":"nop"}]})");
  EXPECT_EQ(d.rfind("jobs[3].type 'nop' is not served by this node", 0), 0u) << d;
  EXPECT_NE(d.find("did you mean noop?"), std::string::npos) << d;
  EXPECT_EQ(client().Get("/api/v1/jobs").Json().at("jobs").as_array().size(), 0u)
      << "a refused batch stores none of its jobs";
}

TEST_F(UnservedTypesTest, AliasedSeedNameBadPayloadIs422AtSubmit) {
  // send_email is email.send: its payload rules apply to the seed's name as they are.
  std::string d = Detail422("/jobs", R"({"type":"send_email","payload":{"subject":"hi"}})");
  EXPECT_NE(d.find("payload.to"), std::string::npos) << d;
  d = Detail422("/api/v1/jobs", R"({"task":"validate_csv_job","params":{}})");
  EXPECT_NE(d.find("payload.input_uri"), std::string::npos) << d;
  d = Detail422("/api/v1/jobs", R"({"task":"correct_csv_job","params":{"input_uri":"/x.csv",
      "delimiter":";;"}})");
  EXPECT_NE(d.find("payload.input_uri"), std::string::npos) << "no input dirs here: " << d;
}

TEST_F(UnservedTypesTest, NonFileSchemeInputUriIs422SayingWhatIsSupported) {
  const std::string d = Detail422("/api/v1/jobs", R"({"task":"validate_csv_job","params":{
      "input_uri":"s3://bucket/file.csv","marketplace":"mercado_livre","ruleset":"default",
      "auto_fix":true},"plan":"pro"})");
  EXPECT_NE(d.find("payload.input_uri must be"), std::string::npos) << d;
  EXPECT_NE(d.find("s3:// scheme is not supported"), std::string::npos) << d;
  EXPECT_NE(d.find("http(s)://"), std::string::npos) << d;
}

}  // namespace
}  // namespace conveyor::api::testing
