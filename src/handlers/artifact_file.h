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

// Renames dir/from to dir/to after fsyncing nothing: for files their writer already synced.
Status RenameArtifactFile(const std::string& dir, const std::string& from, const std::string& to);

}  // namespace conveyor
