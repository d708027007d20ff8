// ReadSecretFile: a secret given as a file (--webhook-secret-file, --store-password-file,
// SMTP_PASSWORD_FILE …), the way Docker and Kubernetes secrets are mounted. The secret is the
// file's first line without its line ending or trailing blanks.
// Errors name the option and the file, never a byte of its content. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace conveyor {

// InvalidArgument "<what> <path> cannot be read: <reason>" when the file cannot be opened or
// read, or "... is empty" when its first line is blank.
Result<std::string> ReadSecretFile(const std::string& path, std::string_view what);

}  // namespace conveyor
