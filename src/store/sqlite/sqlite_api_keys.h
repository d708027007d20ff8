// The api_keys-table operations of SqliteStore (sqlite_api_keys.cc, which holds their SQL): see
// the ApiKey* methods of Store for the contracts.
//
// Thread-safety: none of their own; the connection's owner serialises use.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"

namespace conveyor::sqlite_ops {

Status ApiKeyCreate(SqliteConnection& c, const ApiKeyRow& row, int64_t max_keys);
Result<std::vector<ApiKeyRow>> ApiKeyList(SqliteConnection& c);
Result<ApiKeyRow> ApiKeyRevoke(SqliteConnection& c, const std::string& name, TimeMs now);
Result<ApiKeysVersion> ApiKeysVersionGet(SqliteConnection& c);
Status ApiKeysTouch(SqliteConnection& c, const std::vector<ApiKeyUse>& uses);
Result<ApiKeyUsage> ApiKeyUsageAdd(SqliteConnection& c, const ApiKeyUsageAddParams& p);

}  // namespace conveyor::sqlite_ops
