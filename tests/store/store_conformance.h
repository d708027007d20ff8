// The Store conformance suite (River's riverdrivertest idea): every Store backend must pass it
// unchanged. A backend plugs in with a factory type
//
//   struct MyFactory { static std::unique_ptr<Store> Make(const std::string& tmpdir); };
//   CONVEYOR_INSTANTIATE_STORE_CONFORMANCE(My, MyFactory);
//
// Make() must return an opened (not necessarily migrated) store; calling it again with the same
// tmpdir must reach the same data (the durability tests reopen). The fixture migrates.
// The suite is split in four typed suites: jobs (insert, read, list, idempotency, group
// commit), lease (claim → complete/fail/cancel/retry/rescue), extras (webhook deliveries,
// nodes, leadership, claim exclusions, result_ref) and stats (dialect, fractional progress,
// the statistics read); expiry (JobExpireDue, JobNextExpiry, the claim's expiry guard) is a
// fifth; unique windows (idempotency keys taken over after their window, list by key) a sixth;
// dependencies (depends_on: BLOCKED, release, cascades, refusals) a seventh;
// schedules (cron: create, replace, list, due, the compare-and-set advance) an eighth;
// queues (weights, limits, pause, rate limits, the age share) a ninth; API keys a tenth;
// tenants (per-tenant keys, listings and dependencies, the tenants table) an eleventh; the
// live event feed's reads (events after a cursor, running progress) a twelfth; retention
// (JobPrune: ages per state and queue, cascades, keys, dependencies, batches) a thirteenth;
// batched delivery records (DeliveryRecordMany) a fourteenth.
#pragma once

#include "store_conformance_api_keys.h"
#include "store_conformance_delivery_batch.h"
#include "store_conformance_dependencies.h"
#include "store_conformance_events.h"
#include "store_conformance_expiry.h"
#include "store_conformance_extras.h"
#include "store_conformance_jobs.h"
#include "store_conformance_lease.h"
#include "store_conformance_schedules.h"
#include "store_conformance_stats.h"
#include "store_conformance_queues.h"
#include "store_conformance_retention.h"
#include "store_conformance_tenants.h"
#include "store_conformance_unique.h"

#define CONVEYOR_INSTANTIATE_STORE_CONFORMANCE(Prefix, Factory)             \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreJobsConformance, Factory);     \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreLeaseConformance, Factory);    \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreExtrasConformance, Factory);   \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreStatsConformance, Factory);    \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreExpiryConformance, Factory);   \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreUniqueConformance, Factory);   \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreDependenciesConformance, Factory); \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreScheduleConformance, Factory);     \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreQueuesConformance, Factory);       \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreApiKeysConformance, Factory);      \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreTenantsConformance, Factory);       \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreEventsConformance, Factory);       \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreRetentionConformance, Factory);     \
  INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, StoreDeliveryBatchConformance, Factory)
