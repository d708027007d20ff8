// The schedules-table operations of SqliteStore (sqlite_schedules.cc, which holds their SQL):
// see the Schedule* methods of Store for the contracts.
//
// Thread-safety: none of their own; the connection's owner serialises use.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"

namespace conveyor::sqlite_ops {

Result<Schedule> ScheduleUpsert(SqliteConnection& c, const ScheduleUpsertParams& p);
Result<Schedule> ScheduleGet(SqliteConnection& c, const std::string& name);
Result<std::vector<Schedule>> ScheduleList(SqliteConnection& c, const ScheduleListParams& p);
Status ScheduleDelete(SqliteConnection& c, const std::string& name);
Result<std::vector<Schedule>> ScheduleListDue(SqliteConnection& c, const ScheduleListDueParams& p);
Result<bool> ScheduleAdvance(SqliteConnection& c, const ScheduleAdvanceParams& p);
Result<std::optional<TimeMs>> ScheduleNextRunAt(SqliteConnection& c);

}  // namespace conveyor::sqlite_ops
