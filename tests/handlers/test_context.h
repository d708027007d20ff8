// TestContext: a JobContext for calling handlers directly, outside the worker pool.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/job.h"
#include "handlers/handler.h"

namespace conveyor {

class TestContext final : public JobContext {
 public:
  explicit TestContext(std::string payload, int attempt = 1) {
    job_.id = "0190b6c2-8f4e-7a3b-9c1d-2e3f4a5b6c7d";
    job_.payload = std::move(payload);
    job_.attempt = attempt;
  }
  const Job& job() const override { return job_; }
  bool Cancelled() const override { return cancelled.load(); }
  void ReportProgress(double percent, std::string message) override {
    progress.push_back(percent);
    last_message = std::move(message);
  }
  void SetStep(std::string step) override { last_step = std::move(step); }
  // artifact_root empty: no artifacts, as on a context that keeps none.
  Result<std::string> ArtifactDir() override {
    if (artifact_root.empty()) return JobContext::ArtifactDir();
    std::filesystem::path dir = std::filesystem::path(artifact_root) / job_.id;
    std::filesystem::create_directories(dir);
    return dir.string();
  }
  void SetResultRef(std::string file_name) override { result_ref = std::move(file_name); }

  std::atomic<bool> cancelled{false};
  std::vector<double> progress;
  std::string last_message;
  std::string last_step;
  std::string artifact_root;
  std::string result_ref;

 private:
  Job job_;
};

}  // namespace conveyor
