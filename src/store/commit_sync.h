// How soon a store write must reach the disk. Every write is atomic and, once its caller is
// answered, survives the process being killed (kill -9, a crash): the transaction is in the
// store's log, handed to the OS. kDurable also waits for the log's fsync before answering, so it
// survives an OS crash or a power cut too; kDeferred lets SQLite answer before that fsync, and the
// writer syncs it within a bound (SqliteWriterOptions::deferred_sync_bound) or with the next
// durable write, whichever comes first. PostgreSQL makes every commit durable.
#pragma once

namespace conveyor {

enum class CommitSync {
  // What a client was told is stored (a submit, a cancel, a queue change): never lost.
  kDurable,
  // What can be done again if a power cut undoes it: a claim (the job is claimed again) or a
  // completion (the job runs again, as after a lost lease: at least once).
  kDeferred,
};

}  // namespace conveyor
