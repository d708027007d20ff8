#include "core/secret_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace conveyor {

Result<std::string> ReadSecretFile(const std::string& path, std::string_view what) {
  const std::string named = std::string(what) + " " + path;
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line)) {
    const std::string reason = errno != 0 ? std::strerror(errno) : "no line to read";
    return Status::InvalidArgument(named + " cannot be read: " + reason);
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.pop_back();
  }
  if (line.empty())
    return Status::InvalidArgument(named + " is empty: its first line is the secret");
  return line;
}

}  // namespace conveyor
