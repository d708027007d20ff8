// The schedules-table operations of PostgresStore (pg_schedules.cc, which holds their SQL): see
// the Schedule* methods of Store for the contracts.
//
// Thread-safety: none of their own; one thread uses a connection at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"

namespace conveyor::pg_ops {

Result<Schedule> ScheduleUpsert(PgConnection& c, const ScheduleUpsertParams& p);
Result<Schedule> ScheduleGet(PgConnection& c, const std::string& name);
Result<std::vector<Schedule>> ScheduleList(PgConnection& c, const ScheduleListParams& p);
Result<bool> ScheduleDelete(PgConnection& c, const std::string& name);
Result<std::vector<Schedule>> ScheduleListDue(PgConnection& c, const ScheduleListDueParams& p);
Result<bool> ScheduleAdvance(PgConnection& c, const ScheduleAdvanceParams& p);
Result<std::optional<TimeMs>> ScheduleNextRunAt(PgConnection& c);

}  // namespace conveyor::pg_ops
