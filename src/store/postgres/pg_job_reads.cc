// Reads of the jobs table that no other operation shares (the shared ones are in
// store_job_ops.h over PgJobStatements), and the JSON filter the claim binds.
#include <string>

#include "store/postgres/pg_job_ops.h"
#include "store/postgres/pg_queries.h"
#include "store/store_json.h"

namespace conveyor::pg_ops {
namespace q = pg_queries;

PgParam JsonArrayOrNull(const std::vector<std::string>& items) {
  if (items.empty()) return std::nullopt;
  return EncodeJsonStringArray(items);
}

Result<std::optional<TimeMs>> JobNextRunAt(PgConnection& c) {
  auto r = c.Exec(q::kNextRunAt);
  if (!r.ok()) return r.status();
  return r->OptInt(0, 0);
}

Result<std::map<JobState, int64_t>> JobCountByState(PgConnection& c) {
  auto r = c.Exec(q::kCountByState);
  if (!r.ok()) return r.status();
  std::map<JobState, int64_t> counts;
  for (int i = 0; i < r->rows(); ++i) counts[ReadJobState(PgRow(*r, i), 0)] = r->Int(i, 1);
  return counts;
}

}  // namespace conveyor::pg_ops
