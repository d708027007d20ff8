// RuntimeFixture: a real SQLite store in a temp file, the built-in handlers, and helpers to wait
// for a job to reach a state (polling with a generous deadline; tests never assert on timing).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "handlers/handler_registry.h"
#include "runtime/job_service.h"
#include "runtime/maintenance/maintenance.h"
#include "runtime/maintenance/node_registry.h"
#include "runtime/work/external_leases.h"
#include "runtime/work/worker_pool.h"
#include "store/store.h"
#include "store/store_factory.h"

namespace conveyor {

inline constexpr std::chrono::seconds kWaitDeadline{20};

class RuntimeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/conveyor-runtime-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Result<std::unique_ptr<Store>> store = OpenStore("sqlite:" + dir_ + "/conveyor.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->Migrate().ok());
    RegisterBuiltinHandlers(registry_);
    config_.node_name = "test";
    config_.workers = 2;
    config_.retry.base_ms = 5;
    config_.retry.cap_ms = 20;
    config_.retry.floor_ms = 1;
    // The types these tests submit for external workers, declared as an operator would.
    config_.external_types = {"ext.*", "images.*"};
  }

  void TearDown() override {
    maintenance_.reset();
    pool_.reset();  // stops workers before the store goes away
    service_.reset();
    external_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Starts a pool and maintenance (unless workers == 0: tests without workers drive leases and
  // rescues themselves) and a service bound to them, with config_.
  void StartRuntime(const Clock& clock = *SystemClock::Default()) {
    service_.reset();
    maintenance_.reset();
    if (config_.workers > 0) {
      pool_ = std::make_unique<WorkerPool>(*store_, registry_, clock, config_);
      pool_->Start();
      maintenance_ = std::make_unique<Maintenance>(*store_, clock, config_, kRoleServe, pool_.get());
      maintenance_->Start();
    }
    external_ = std::make_unique<ExternalLeases>(*store_, registry_, clock, config_);
    service_ = std::make_unique<JobService>(*store_, registry_, clock, config_, *external_,
                                            pool_.get());
  }

  static JobSpec Spec(std::string type, const std::string& payload_json) {
    JobSpec spec;
    spec.type = std::move(type);
    spec.payload = boost::json::parse(payload_json);
    return spec;
  }

  // Submits one spec and returns the stored job; fails the test on error.
  Job MustSubmit(JobSpec spec) {
    std::vector<JobSpec> specs;
    specs.push_back(std::move(spec));
    Result<std::vector<InsertOutcome>> r = service_->Submit(std::move(specs));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->empty()) return Job{};
    return r->front().job;
  }

  Job MustGet(const std::string& id) {
    Result<Job> job = store_->JobGet(id);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : Job{};
  }

  // Polls until `pred(job)` holds or the deadline passes; returns the last job read.
  Job WaitFor(const std::string& id, const std::function<bool(const Job&)>& pred) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitDeadline;
    Job job = MustGet(id);
    while (!pred(job) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      job = MustGet(id);
    }
    return job;
  }

  Job WaitForState(const std::string& id, JobState state) {
    Job job = WaitFor(id, [&](const Job& j) { return j.state == state; });
    EXPECT_EQ(ToString(job.state), ToString(state)) << "job " << id << " error: "
                                                    << job.error.value_or("");
    return job;
  }

  Job WaitForTerminal(const std::string& id) {
    return WaitFor(id, [](const Job& j) { return IsTerminal(j.state); });
  }

  // The store shows RUNNING from the claim on; this waits until handlers actually run.
  void WaitForRunningHandlers(int n) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitDeadline;
    while (pool_->GetStats().running < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_EQ(pool_->GetStats().running, n);
  }

  std::vector<JobEvent> MustEvents(const std::string& id) {
    Result<std::vector<JobEvent>> events = store_->JobEventList(id);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<JobEvent>{};
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  HandlerRegistry registry_;
  RuntimeConfig config_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<Maintenance> maintenance_;
  std::unique_ptr<ExternalLeases> external_;
  std::unique_ptr<JobService> service_;
};

}  // namespace conveyor
