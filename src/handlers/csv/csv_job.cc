#include "handlers/csv/csv_job.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <memory>

#include "handlers/artifact_file.h"
#include "handlers/csv/csv_processor.h"
#include "handlers/csv/csv_reader.h"

namespace conveyor {
namespace json = boost::json;

namespace {

constexpr const char* kReportName = "report.json";
constexpr const char* kCorrectedName = "corrected.csv";
constexpr auto kProgressEvery = std::chrono::milliseconds(500);
// Seed 003's rule-set name; the empty set unless the operator's file defines it.
constexpr std::string_view kDefaultRuleSet = "default";
// Seed 003's labels of a validation: not used by the checks, shown in the result.
constexpr const char* kLabelFields[] = {"marketplace", "category"};

Status Invalid(const std::string& m) { return Status::InvalidArgument(m); }

std::string KnownNames(const CsvRuleSets& named) {
  if (named.empty()) return "none is configured (serve --rulesets-file); send the rule set inline";
  std::string out = "known: ";
  for (const auto& [name, _] : named) out += (out.size() > 7 ? ", " : "") + name;
  return out;
}

Result<CsvRuleSet> ParseRuleSet(const json::object& o, const CsvRuleSets& named, bool required) {
  const json::value* r = o.if_contains("ruleset");
  const bool absent = r == nullptr || r->is_null();
  if (absent && !required) return CsvRuleSet{.name = ""};
  // Seed 003's clients may leave the rule set out of a validation: its "default" applies.
  if (absent || r->is_string()) {
    const std::string_view name = absent ? kDefaultRuleSet : std::string_view(r->get_string());
    auto it = named.find(name);
    if (it != named.end()) return it->second;
    if (name == kDefaultRuleSet) return CsvRuleSet{.name = std::string(kDefaultRuleSet)};
    return Invalid("payload.ruleset \"" + std::string(name) + "\" is unknown; " +
                   KnownNames(named));
  }
  Result<CsvRuleSet> set = ParseCsvRuleSet(*r, "payload.ruleset");
  if (set.ok()) set->name = "inline";
  return set;
}

Status ParseOptions(const json::object& o, CsvJobSpec* spec) {
  if (const json::value* f = o.if_contains("auto_fix")) {
    if (!f->is_bool()) return Invalid("payload.auto_fix must be true or false");
    spec->auto_fix = f->get_bool();
  }
  if (const json::value* m = o.if_contains("max_errors")) {
    const bool ok = (m->is_int64() && m->get_int64() >= 0 &&
                     static_cast<uint64_t>(m->get_int64()) <= kMaxCsvMaxErrors) ||
                    (m->is_uint64() && m->get_uint64() <= kMaxCsvMaxErrors);
    if (!ok) return Invalid("payload.max_errors must be a whole number from 0 to 100000");
    spec->max_errors = m->to_number<size_t>();
  }
  if (const json::value* d = o.if_contains("delimiter")) {
    const bool ok = d->is_string() && d->get_string().size() == 1 && d->get_string()[0] != '"' &&
                    d->get_string()[0] != '\n' && d->get_string()[0] != '\r';
    if (!ok) return Invalid("payload.delimiter must be one character such as \",\" or \";\"");
    spec->delimiter = d->get_string()[0];
  }
  for (const char* field : kLabelFields) {
    const json::value* v = o.if_contains(field);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_string() || v->get_string().size() > kMaxCsvLabelLength)
      return Invalid("payload." + std::string(field) + " must be a string of at most " +
                     std::to_string(kMaxCsvLabelLength) + " characters");
    spec->labels.emplace_back(field, std::string(v->get_string()));
  }
  return Status::Ok();
}

// Reports progress at most every kProgressEvery.
class ProgressTicker {
 public:
  ProgressTicker(JobContext& ctx, const char* verb) : ctx_(ctx), verb_(verb) {}
  void Tick(uint64_t bytes, int64_t total, uint64_t rows, bool force = false) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < kProgressEvery) return;
    last_ = now;
    const int percent =
        force ? 100 : total > 0 ? static_cast<int>(std::min<uint64_t>(99, bytes * 100 / total)) : 0;
    std::string msg = std::string(verb_) + " " + std::to_string(rows) + " rows (" +
                      std::to_string(bytes >> 20) + " MB";
    if (total > 0) msg += " of " + std::to_string(static_cast<uint64_t>(total) >> 20) + " MB";
    ctx_.ReportProgress(percent, msg + ")");
  }

 private:
  JobContext& ctx_;
  const char* verb_;
  std::chrono::steady_clock::time_point last_{};
};

struct Outputs {
  std::string dir;
  std::unique_ptr<CsvWriter> writer;  // null unless a corrected CSV is written
  void Discard() const {
    // Best effort: a leftover partial file is harmless, the job failed anyway.
    std::remove((dir + "/" + kCorrectedName + ".part").c_str());
  }
};

Result<Outputs> OpenOutputs(JobContext& ctx, bool write_csv, char delimiter) {
  Result<std::string> dir = ctx.ArtifactDir();
  if (!dir.ok()) return dir.status();
  Outputs out{.dir = *dir};
  if (write_csv) {
    auto w = CsvWriter::Create(out.dir + "/" + kCorrectedName + ".part", delimiter);
    if (!w.ok()) return w.status();
    out.writer = std::move(w).value();
  }
  return out;
}

// Streams the input through the reader; parse errors are left to the caller.
Status Stream(JobContext& ctx, const CsvJobSpec& spec, const CsvInputSources& sources,
              CsvReader& reader,
              const CsvReport& report, const char* verb) {
  ProgressTicker ticker(ctx, verb);
  ticker.Tick(0, -1, 0, false);
  const auto cancelled = [&ctx] { return ctx.Cancelled(); };
  Status s = ReadCsvInput(spec.input_uri, sources, cancelled,
                          [&](std::string_view chunk, int64_t total) {
                            if (ctx.Cancelled()) return Status::Cancelled("csv job cancelled");
                            Status fed = reader.Feed(chunk);
                            ticker.Tick(reader.bytes(), total, report.rows());
                            return fed;
                          });
  return s.ok() ? reader.Finish() : s;
}

Status WriteArtifacts(const Outputs& out, const CsvJobSpec& spec, const CsvReport& report,
                      uint64_t bytes) {
  if (out.writer) {
    if (Status s = out.writer->Close(); !s.ok()) return s;
    Status s = RenameArtifactFile(out.dir, std::string(kCorrectedName) + ".part", kCorrectedName);
    if (!s.ok()) return s;
  }
  return WriteArtifactFile(out.dir, kReportName,
                           report.ToJson(spec.input_uri, spec.rules.name, bytes));
}

}  // namespace

Result<CsvJobSpec> ParseCsvJobSpec(const json::value& payload, const CsvRuleSets& named,
                                   const CsvInputSources& sources, bool ruleset_required) {
  if (!payload.is_object()) return Invalid("payload must be an object with input_uri and ruleset");
  const json::object& o = payload.get_object();
  const json::value* uri = o.if_contains("input_uri");
  if (uri == nullptr || !uri->is_string())
    return Invalid("payload.input_uri is required: an absolute path or an http(s) URL of the CSV");
  CsvJobSpec spec;
  spec.input_uri = std::string(uri->get_string());
  std::string why;
  if (!IsCsvInputUri(spec.input_uri, sources, &why)) return Invalid("payload.input_uri " + why);
  Result<CsvRuleSet> rules = ParseRuleSet(o, named, ruleset_required);
  if (!rules.ok()) return rules.status();
  spec.rules = std::move(rules).value();
  if (Status s = ParseOptions(o, &spec); !s.ok()) return s;
  return spec;
}

Result<std::string> RunCsvJob(JobContext& ctx, const CsvJobSpec& spec, CsvJobKind kind,
                              const CsvInputSources& sources) {
  const bool correct = kind == CsvJobKind::kCorrect;
  const bool fix = correct || spec.auto_fix;
  Result<Outputs> out = OpenOutputs(ctx, fix, spec.delimiter);
  if (!out.ok()) return out.status();
  CsvReport report(spec.max_errors);
  CsvProcessor processor(spec.rules, fix, report, out->writer.get());
  CsvReader reader([&](uint64_t n, const auto& fields) { return processor.OnRecord(n, fields); },
                   spec.delimiter);
  const char* verb = correct ? "corrected" : "validated";
  Status s = Stream(ctx, spec, sources, reader, report, verb);
  if (s.code() == StatusCode::kInvalidArgument && !correct) {
    report.AddFileError(s.message());  // a malformed file is a finding, not a failed job
    s = Status::Ok();
  }
  if (s.ok() && reader.records() == 0) report.AddFileError("the file is empty: no header row");
  if (s.ok()) s = WriteArtifacts(*out, spec, report, reader.bytes());
  if (!s.ok()) {
    out->Discard();
    return s;
  }
  ctx.SetResultRef(correct ? kCorrectedName : kReportName);
  ProgressTicker(ctx, verb).Tick(reader.bytes(), -1, report.rows(), /*force=*/true);
  std::vector<std::string> artifacts = {correct ? kCorrectedName : kReportName};
  if (fix) artifacts.push_back(correct ? kReportName : kCorrectedName);
  return report.SummaryJson(artifacts, spec.labels);
}

}  // namespace conveyor
