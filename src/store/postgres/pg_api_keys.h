// The api_keys-table operations of PostgresStore (pg_api_keys.cc, which holds their SQL): see
// the ApiKey* methods of Store for the contracts.
//
// Thread-safety: none of their own; one thread uses a connection at a time.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"

namespace conveyor::pg_ops {

// true when inserted; false when the name or id is taken or the table is full (the caller
// tells which with ApiKeyCreateRefusal). NotFound when row.tenant names no tenant.
Result<bool> ApiKeyInsert(PgConnection& c, const ApiKeyRow& row, int64_t max_keys);
Status ApiKeyCreateRefusal(PgConnection& c, const ApiKeyRow& row, int64_t max_keys);
Result<std::vector<ApiKeyRow>> ApiKeyList(PgConnection& c);
// Empty when no key has that name.
Result<std::vector<ApiKeyRow>> ApiKeyRevoke(PgConnection& c, const std::string& name, TimeMs now);
Result<ApiKeysVersion> ApiKeysVersionGet(PgConnection& c);
Result<bool> ApiKeysTouch(PgConnection& c, const std::vector<ApiKeyUse>& uses);
Result<ApiKeyUsage> ApiKeyUsageAdd(PgConnection& c, const ApiKeyUsageAddParams& p);

}  // namespace conveyor::pg_ops
