#include "runtime/canonical_request.h"

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

namespace conveyor {
namespace json = boost::json;

namespace {

void WriteCanonical(const json::value& v, std::string& out) {
  if (const json::object* obj = v.if_object()) {
    std::vector<const json::key_value_pair*> items;
    items.reserve(obj->size());
    for (const auto& kv : *obj) items.push_back(&kv);
    std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
    out += '{';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ',';
      out += json::serialize(json::string_view(items[i]->key()));
      out += ':';
      WriteCanonical(items[i]->value(), out);
    }
    out += '}';
  } else if (const json::array* arr = v.if_array()) {
    out += '[';
    for (size_t i = 0; i < arr->size(); ++i) {
      if (i) out += ',';
      WriteCanonical((*arr)[i], out);
    }
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

json::value OptionalTime(const std::optional<TimeMs>& t) {
  return t ? json::value(*t) : json::value(nullptr);
}

}  // namespace

std::string CanonicalJson(const json::value& v) {
  std::string out;
  WriteCanonical(v, out);
  return out;
}

std::string CanonicalRequest(const JobSpec& spec, const Job& job) {
  // Seed 000 documents a resubmitted doc_id as returning the existing job, whatever the body:
  // the doc_id alone is the request.
  if (spec.origin.key == SpecOrigin::Key::kDocId) {
    return CanonicalJson(json::object{{"doc_id", job.idempotency_key.value_or("")}});
  }
  json::array tags(spec.tags.begin(), spec.tags.end());
  json::array deps(spec.depends_on.begin(), spec.depends_on.end());
  // run_at as the client gave it: a defaulted "now" would differ on every replay.
  json::object o{{"type", job.type},
                 {"queue", job.queue},
                 {"payload", spec.payload},
                 {"priority", job.priority},
                 {"max_attempts", job.max_attempts},
                 {"run_at", OptionalTime(spec.run_at)},
                 {"expires_at", OptionalTime(spec.expires_at)},
                 {"timeout_s", job.timeout_s},
                 {"webhook_url", spec.webhook_url ? json::value(*spec.webhook_url) : nullptr},
                 {"tags", std::move(tags)},
                 {"depends_on", std::move(deps)}};
  // Only when given, so the requests stored before delay existed keep their fingerprints.
  if (spec.delay_s) o.emplace("delay", *spec.delay_s);
  return CanonicalJson(o);
}

}  // namespace conveyor
