// DeliveryService: the API's view of a job's webhook deliveries — ids checked before the store,
// unknown jobs and deliveries NotFound, a redelivery a new pending delivery.
#include "runtime/delivery_service.h"

#include <gtest/gtest.h>

#include "core/ids.h"
#include "runtime_fixture.h"

namespace conveyor {
namespace {

class DeliveryServiceTest : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    config_.workers = 0;
    StartRuntime(clock_);
    deliveries_ = std::make_unique<DeliveryService>(*store_, clock_);
  }

  ManualClock clock_{1'800'000'000'000};
  std::unique_ptr<DeliveryService> deliveries_;
};

TEST_F(DeliveryServiceTest, IdsMustBeUuids) {
  EXPECT_EQ(deliveries_->Deliveries("42").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(deliveries_->Redeliver("42", 1).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DeliveryServiceTest, UnknownJobOrDeliveryIsNotFound) {
  const std::string unknown = NewUuidV7(clock_.NowMs());
  EXPECT_EQ(deliveries_->Deliveries(unknown).status().code(), StatusCode::kNotFound);
  const Job job = MustSubmit(Spec("noop", "{}"));
  Result<std::vector<WebhookDelivery>> none = deliveries_->Deliveries(job.id);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(deliveries_->Redeliver(job.id, 1).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace conveyor
