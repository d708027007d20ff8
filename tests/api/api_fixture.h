// ApiFixture: a real HttpServer on 127.0.0.1:0 in front of the real runtime services, a
// WorkerPool, maintenance and a SQLite store in a temp dir, plus helpers to submit jobs and wait for states over HTTP.
// Waits poll with a generous deadline; tests never assert on timing.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "api/event_stream.h"
#include "api/http_server.h"
#include "core/clock.h"
#include "handlers/builtin_handlers.h"
#include "handlers/handler_registry.h"
#include "runtime/auth/key_ring.h"
#include "runtime/delivery_service.h"
#include "runtime/events/event_feed.h"
#include "runtime/job_service.h"
#include "runtime/maintenance/maintenance.h"
#include "runtime/maintenance/node_registry.h"
#include "runtime/work/external_leases.h"
#include "runtime/work/worker_pool.h"
#include "store/store.h"
#include "store/store_factory.h"
#include "test_client.h"

namespace conveyor::api::testing {

class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/conveyor-api-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto store = OpenStore("sqlite:" + dir_ + "/conveyor.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->Migrate().ok());
    BuiltinHandlerOptions handlers;
    ConfigureHandlers(handlers);
    ASSERT_TRUE(RegisterBuiltinHandlers(registry_, handlers).ok());
    runtime_.node_name = "api-test";
    runtime_.workers = 2;
    runtime_.retry.base_ms = 5;
    runtime_.retry.cap_ms = 20;
    runtime_.shutdown_grace_ms = 2000;
    runtime_.artifact_dir = dir_ + "/artifacts";
    ConfigureRuntime(runtime_);
    server_config_.listen = "127.0.0.1:0";
    server_config_.io_threads = 2;
    server_config_.max_body_bytes = 64 << 10;
    ConfigureServer(server_config_);
    const Clock& clock = *SystemClock::Default();
    pool_ = std::make_unique<WorkerPool>(*store_, registry_, clock, runtime_);
    pool_->Start();
    external_ = std::make_unique<ExternalLeases>(*store_, registry_, clock, runtime_);
    service_ =
        std::make_unique<JobService>(*store_, registry_, clock, runtime_, *external_, pool_.get());
    deliveries_ = std::make_unique<DeliveryService>(*store_, clock);
    maintenance_ = std::make_unique<Maintenance>(*store_, clock, runtime_, kRoleServe, pool_.get());
    maintenance_->Start();
    keys_ = std::make_unique<auth::KeyRing>(*store_, clock);
    ASSERT_TRUE(keys_->Load().ok());
    EventFeedOptions feed{.encode = EncodeSseEvent};
    ConfigureEvents(feed);
    events_ = std::make_unique<EventFeed>(*store_, clock, feed);
    events_->Start();
    server_ = std::make_unique<HttpServer>(services(), server_config_);
    const Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    client_ = std::make_unique<TestClient>(server_->port());
  }

  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop();
    server_.reset();
    events_.reset();  // after the server: its streams hold subscriptions
    keys_.reset();
    if (pool_) pool_->Stop();
    maintenance_.reset();
    deliveries_.reset();
    service_.reset();
    external_.reset();
    pool_.reset();
    store_.reset();
    std::error_code ec;  // a leftover temp dir is harmless
    std::filesystem::remove_all(dir_, ec);
  }

  // Tests override to shorten timeouts or limits before the server starts.
  virtual void ConfigureServer(ServerConfig&) {}
  // Tests override to change the runtime's settings (declared external types, say).
  virtual void ConfigureRuntime(RuntimeConfig&) {}
  // Tests override to configure the built-in job types (each type is registered once).
  virtual void ConfigureHandlers(BuiltinHandlerOptions&) {}
  // Tests override to change GET /events' limits and pace.
  virtual void ConfigureEvents(EventFeedOptions&) {}

  // What a server in front of this fixture's runtime serves.
  api::Services services() {
    return {.jobs = *service_,
            .deliveries = *deliveries_,
            .leases = *external_,
            .nodes = maintenance_->nodes(),
            .pool = pool_.get(),
            .artifact_dir = runtime_.artifact_dir,
            .keys = keys_.get(),
            .events = events_.get()};
  }

  TestClient& client() { return *client_; }
  uint16_t port() const { return server_->port(); }

  // Submits `body` to POST /jobs and returns the new job's id; fails the test otherwise.
  std::string MustSubmit(const std::string& body) {
    Reply r = client().Post("/api/v1/jobs", body);
    EXPECT_EQ(r.status, 201u) << r.body;
    if (r.status != 201) return "";
    return std::string(r.Json().at("id").as_string());
  }

  // Polls GET /jobs/{id} until its status is `status`; returns the last job JSON.
  boost::json::value WaitForStatus(const std::string& id, std::string_view status) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    boost::json::value job;
    while (std::chrono::steady_clock::now() < deadline) {
      job = client().Get("/api/v1/jobs/" + id).Json();
      if (job.at("status").as_string() == status) return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "job " << id << " never reached " << status << ": "
                  << boost::json::serialize(job);
    return job;
  }

  // The server still answers on a fresh connection.
  void ExpectStillServing() {
    TestClient fresh(port());
    EXPECT_EQ(fresh.Get("/health").status, 200u);
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  HandlerRegistry registry_;
  RuntimeConfig runtime_;
  ServerConfig server_config_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<ExternalLeases> external_;
  std::unique_ptr<JobService> service_;
  std::unique_ptr<DeliveryService> deliveries_;
  std::unique_ptr<Maintenance> maintenance_;
  std::unique_ptr<auth::KeyRing> keys_;  // the gate only when server_config_.auth_required
  std::unique_ptr<EventFeed> events_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<TestClient> client_;
};

}  // namespace conveyor::api::testing
