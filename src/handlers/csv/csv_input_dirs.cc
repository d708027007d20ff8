#include "handlers/csv/csv_input_dirs.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace conveyor {
namespace {

namespace fs = std::filesystem;

// Absolute and lexically normal, without a trailing slash ("/" stays "/").
std::string Normal(const fs::path& p) {
  std::error_code ec;
  fs::path abs = p.is_absolute() ? p : fs::absolute(p, ec);
  std::string s = abs.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool UnderDir(std::string_view path, std::string_view dir) {
  if (dir == "/") return path.starts_with('/');
  return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

bool UnderAny(std::string_view path, const std::vector<std::string>& dirs) {
  for (const std::string& d : dirs) {
    if (UnderDir(path, d)) return true;
  }
  return false;
}

// The path the kernel holds for `fd`; empty when /proc is not there.
std::string FdPath(int fd) {
  char buf[PATH_MAX + 1];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = readlink(link.c_str(), buf, PATH_MAX);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

Status Refused(const std::string& path, std::string_view why) {
  return Status::FailedPrecondition("input " + path + " " + std::string(why));
}

}  // namespace

CsvInputDirs::CsvInputDirs(const std::vector<std::string>& dirs) {
  for (const std::string& d : dirs) {
    if (d.empty()) continue;
    configured_.push_back(Normal(d));
  }
}

std::vector<std::string> CsvInputDirs::Resolved() const {
  std::vector<std::string> out;
  for (const std::string& d : configured_) {
    char buf[PATH_MAX];
    if (realpath(d.c_str(), buf) != nullptr) out.push_back(buf);
  }
  return out;
}

std::string CsvInputDirs::Resolve(std::string_view path) const {
  if (path.empty() || path.starts_with('/') || configured_.empty()) return std::string(path);
  return (fs::path(configured_.front()) / fs::path(path)).string();
}

bool CsvInputDirs::IsUnder(std::string_view path) const {
  if (!path.starts_with('/')) return false;
  const std::string normal = Normal(fs::path(path));
  return UnderAny(normal, configured_) || UnderAny(normal, Resolved());
}

Result<int> CsvInputDirs::OpenInput(const std::string& path) const {
  if (!IsUnder(path)) return Refused(path, kOutsideMessage);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0 && errno == ELOOP) return Refused(path, "is a symbolic link: give the file itself");
  if (fd < 0) return Refused(path, std::string("cannot be opened: ") + std::strerror(errno));
  struct stat st {};
  std::string why;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    why = "is not a regular file";
  } else if (const std::string real = FdPath(fd); real.empty()) {
    why = "cannot be checked: /proc/self/fd is not available";
  } else if (!UnderAny(real, Resolved())) {
    why = "leads out of the server's input directories (through a symbolic link?)";
  }
  if (why.empty()) return fd;
  close(fd);
  return Refused(path, why);
}

}  // namespace conveyor
