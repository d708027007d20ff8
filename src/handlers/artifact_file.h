// WriteArtifactFile: writes a job artifact (a small JSON or CSV report) into the job's artifact
// directory durably and atomically — a temp file, fsync, rename — so the artifact route never
// serves half a file, even after a crash. Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace conveyor {

// Unavailable (worth a retry: the disk may recover) when the file cannot be written.
Status WriteArtifactFile(const std::string& dir, const std::string& name, std::string_view content);

// A read-only descriptor (the caller closes it) of <root>/<job_id>/<name>, the job's own
// artifact directory and nothing else: job_id and name must be plain names (no '/', not "."
// or ".."), and each step is opened relative to the last with O_NOFOLLOW, so neither a stored
// path nor a symbolic link can lead out of it. NotFound otherwise, naming no server path.
Result<int> OpenArtifactFile(const std::string& root, const std::string& job_id,
                             const std::string& name);

// Renames dir/from to dir/to after fsyncing nothing: for files their writer already synced.
Status RenameArtifactFile(const std::string& dir, const std::string& from, const std::string& to);

}  // namespace conveyor
