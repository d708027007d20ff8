#include "store/store_completions.h"

#include <string_view>
#include <utility>

#include "store/store_json.h"

namespace conveyor {

std::string EncodeCompletions(const JobCompleteManyParams& p, std::vector<bool>& repeated) {
  std::unordered_set<std::string_view> seen;
  std::string json = "[";
  repeated.assign(p.completions.size(), false);
  for (size_t i = 0; i < p.completions.size(); ++i) {
    const JobCompletion& done = p.completions[i];
    if (!seen.insert(done.id).second) {
      repeated[i] = true;
      continue;
    }
    json += json.size() > 1 ? ",[" : "[";
    AppendJsonString(json, done.id);
    json += ",";
    AppendJsonString(json, done.lease_token);
    json += ",";
    AppendJsonString(json, done.result);
    json += ",";
    if (done.result_ref) {
      AppendJsonString(json, *done.result_ref);
    } else {
      json += "null";
    }
    json += "]";
  }
  return json + "]";
}

Result<std::vector<Status>> CompletionOutcomes(const JobCompleteManyParams& p,
                                               const std::vector<bool>& repeated,
                                               const std::unordered_set<std::string>& succeeded,
                                               const CompletionMissReason& why) {
  std::vector<Status> out;
  out.reserve(p.completions.size());
  for (size_t i = 0; i < p.completions.size(); ++i) {
    const std::string& id = p.completions[i].id;
    if (!repeated[i] && succeeded.count(id) > 0) {
      out.push_back(Status::Ok());
      continue;
    }
    Status miss = why(id);  // the rare path: say why this one did not complete
    if (miss.code() != StatusCode::kConflict && miss.code() != StatusCode::kNotFound) return miss;
    out.push_back(std::move(miss));
  }
  return out;
}

}  // namespace conveyor
