#include "cli/serve_retention_flags.h"

#include "core/duration_text.h"

namespace conveyor::cli {

namespace {

std::string IsRetentionAge(const std::string& text) {
  return ParseDurationMs(text) ? std::string() : "must be " + DurationRule() + " (0: for ever)";
}

void AddAge(CLI::App& cmd, const char* flag, const char* env, const char* state,
            std::string& value) {
  cmd.add_option(flag, value,
                 std::string("How long ") + state +
                     " jobs are kept after they finished, then deleted with their events, "
                     "deliveries and artifacts (0: for ever)")
      ->envname(env)->check(IsRetentionAge)->capture_default_str();
}

}  // namespace

void AddRetentionFlags(CLI::App& cmd, RetentionFlags& f) {
  AddAge(cmd, "--retain-succeeded", "CONVEYOR_RETAIN_SUCCEEDED", "SUCCEEDED", f.succeeded);
  AddAge(cmd, "--retain-failed", "CONVEYOR_RETAIN_FAILED", "FAILED", f.failed);
  AddAge(cmd, "--retain-cancelled", "CONVEYOR_RETAIN_CANCELLED", "CANCELLED", f.cancelled);
  AddAge(cmd, "--retain-expired", "CONVEYOR_RETAIN_EXPIRED", "EXPIRED", f.expired);
}

RetentionConfig ToRetentionConfig(const RetentionFlags& f) {
  RetentionConfig c;
  c.succeeded_ms = ParseDurationMs(f.succeeded).value_or(c.succeeded_ms);
  c.failed_ms = ParseDurationMs(f.failed).value_or(c.failed_ms);
  c.cancelled_ms = ParseDurationMs(f.cancelled).value_or(c.cancelled_ms);
  c.expired_ms = ParseDurationMs(f.expired).value_or(c.expired_ms);
  return c;
}

}  // namespace conveyor::cli
