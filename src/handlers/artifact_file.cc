#include "handlers/artifact_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace conveyor {
namespace {

Status WriteAll(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t n = write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Unavailable(std::strerror(errno));
    content.remove_prefix(static_cast<size_t>(n));
  }
  return fsync(fd) == 0 ? Status::Ok() : Status::Unavailable(std::strerror(errno));
}

bool IsPlainName(const std::string& n) {
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos &&
         n.find('\0') == std::string::npos;
}

// Closes the descriptor unless released.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

Result<int> OpenArtifactFile(const std::string& root, const std::string& job_id,
                             const std::string& name) {
  const Status missing = Status::NotFound("job " + job_id + " has no artifact named " + name);
  if (root.empty() || !IsPlainName(job_id) || !IsPlainName(name)) return missing;
  Fd dir{open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.fd < 0) return missing;
  Fd job{openat(dir.fd, job_id.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (job.fd < 0) return missing;
  Fd file{openat(job.fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
  struct stat st {};
  if (file.fd < 0 || fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode)) return missing;
  const int fd = file.fd;
  file.fd = -1;
  return fd;
}

Status WriteArtifactFile(const std::string& dir, const std::string& name, std::string_view content) {
  const std::string path = dir + "/" + name;
  const std::string tmp = path + ".part";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot create " + tmp + ": " + std::strerror(errno));
  Status s = WriteAll(fd, content);
  close(fd);  // written and synced above; close cannot lose data now
  if (!s.ok()) {
    std::remove(tmp.c_str());
    return Status::Unavailable("cannot write " + tmp + ": " + s.message());
  }
  return RenameArtifactFile(dir, name + ".part", name);
}

Status RenameArtifactFile(const std::string& dir, const std::string& from, const std::string& to) {
  const std::string a = dir + "/" + from, b = dir + "/" + to;
  if (std::rename(a.c_str(), b.c_str()) != 0)
    return Status::Unavailable("cannot rename " + a + " to " + b + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace conveyor
