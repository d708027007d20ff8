#include "handlers/report_handler.h"

#include <boost/json.hpp>
#include <memory>

#include "core/time_format.h"
#include "handlers/artifact_file.h"
#include "handlers/report_stats.h"

namespace conveyor {
namespace json = boost::json;

namespace {

constexpr TimeMs kDefaultPeriodMs = 24 * 3600 * 1000;
constexpr int kPageSize = 1000;

struct ReportSpec {
  TimeMs since = 0;
  TimeMs until = 0;
  bool csv_first = false;
};

Status Invalid(const std::string& m) { return Status::InvalidArgument(m); }

Status GetTime(const json::object& o, std::string_view key, std::optional<TimeMs>* out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  *out = v->is_string() ? ParseRfc3339(v->get_string()) : std::nullopt;
  if (*out) return Status::Ok();
  return Invalid("payload." + std::string(key) +
                 " must be an RFC 3339 time such as 2026-01-31T00:00:00Z");
}

Result<ReportSpec> ParseSpec(const json::value& payload, TimeMs now) {
  if (!payload.is_object()) return Invalid("payload must be an object, e.g. {\"since\": \"...\"}");
  const json::object& o = payload.get_object();
  std::optional<TimeMs> since, until;
  if (Status s = GetTime(o, "since", &since); !s.ok()) return s;
  if (Status s = GetTime(o, "until", &until); !s.ok()) return s;
  ReportSpec spec;
  spec.until = until.value_or(now);
  spec.since = since.value_or(spec.until - kDefaultPeriodMs);
  if (spec.since > spec.until) return Invalid("payload.since must not be after payload.until");
  if (const json::value* f = o.if_contains("format")) {
    if (!f->is_string() || (f->get_string() != "json" && f->get_string() != "csv"))
      return Invalid("payload.format must be \"json\" or \"csv\"");
    spec.csv_first = f->get_string() == "csv";
  }
  return spec;
}

Result<ReportSpec> ParseJobPayload(const Job& job, TimeMs now) {
  boost::system::error_code ec;
  json::value payload = json::parse(job.payload, ec);
  if (ec) return Invalid("payload is not JSON: " + ec.message());
  return ParseSpec(payload, now);
}

// Adds the jobs created in [since, until) to `stats`, newest first, page by page.
Status Scan(JobReader& jobs, JobContext& ctx, const ReportSpec& spec, JobReportStats& stats) {
  JobListParams p{.limit = kPageSize};
  for (int page = 1;; ++page) {
    if (ctx.Cancelled()) return Status::Cancelled("report cancelled");
    Result<JobPage> r = jobs.JobList(p);
    if (!r.ok()) return r.status();
    // Pages come in insertion order, which follows created_at but for clock differences
    // between nodes: stop after a page with no job in the period, not at the first older job.
    bool any_in_range = false;
    for (const Job& job : r->jobs) {
      if (job.created_at < spec.since) continue;
      any_in_range = true;
      if (job.created_at < spec.until) stats.Add(job);
    }
    const bool past_since = !r->jobs.empty() && r->jobs.back().created_at < spec.since;
    if ((past_since && !any_in_range) || !r->next_cursor || r->jobs.empty()) return Status::Ok();
    p.cursor = r->next_cursor;
    ctx.ReportProgress(0, "scanned " + std::to_string(page * kPageSize) + " jobs, " +
                              std::to_string(stats.jobs()) + " in the period");
  }
}

}  // namespace

Status ReportHandler::ValidatePayload(const json::value& payload) const {
  return ParseSpec(payload, clock_.NowMs()).status();
}

std::string_view ReportHandler::PayloadSchema() const {
  return R"({"type":"object","properties":{)"
         R"("since":{"type":["string","null"],"format":"date-time","description":"default: until - 24 h"},)"
         R"("until":{"type":["string","null"],"format":"date-time","description":"default: now"},)"
         R"("format":{"enum":["json","csv"],"description":"which artifact result_ref names"}}})";
}

Result<std::string> ReportHandler::Run(JobContext& ctx) {
  const TimeMs now = clock_.NowMs();
  Result<ReportSpec> spec = ParseJobPayload(ctx.job(), now);
  if (!spec.ok()) return spec.status();
  Result<std::string> dir = ctx.ArtifactDir();
  if (!dir.ok()) return dir.status();
  JobReportStats stats(spec->since, spec->until, now);
  if (Status s = Scan(jobs_, ctx, *spec, stats); !s.ok()) return s;
  if (Status s = WriteArtifactFile(*dir, "report.json", stats.ToJson()); !s.ok()) return s;
  if (Status s = WriteArtifactFile(*dir, "report.csv", stats.ToCsv()); !s.ok()) return s;
  std::vector<std::string> artifacts = {"report.json", "report.csv"};
  if (spec->csv_first) std::swap(artifacts[0], artifacts[1]);
  ctx.SetResultRef(artifacts[0]);
  ctx.ReportProgress(100, "reported on " + std::to_string(stats.jobs()) + " jobs");
  return stats.SummaryJson(artifacts);
}

Status RegisterReportHandler(HandlerRegistry& registry, JobReader& jobs, const Clock& clock) {
  if (Status s = registry.Register(std::make_unique<ReportHandler>(jobs, clock)); !s.ok()) return s;
  for (const char* alias : {"generate_report_job", "generate_report"}) {
    if (Status s = registry.Alias(alias, "report.generate"); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace conveyor
