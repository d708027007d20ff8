#include "runtime/batch_dependencies.h"

#include <charconv>
#include <string>

#include "runtime/submit_validator.h"

namespace conveyor {
namespace {

constexpr size_t kMaxReferenceDigits = 4;  // kMaxBatchJobs is 1000

Status ResolveOne(const std::vector<JobSpec>& specs, std::vector<Job>& jobs, size_t i, size_t k) {
  std::string& dep = jobs[i].depends_on[k];
  if (!IsBatchReference(dep)) return Status::Ok();
  size_t n = 0;
  std::from_chars(dep.data() + 1, dep.data() + dep.size(), n);
  const std::string field = SubmitErrorPrefix(specs, i) + "depends_on[" + std::to_string(k) + "]";
  if (n >= jobs.size()) {
    return Status::InvalidArgument(field + " refers to " + dep + ", but the batch has " +
                                   std::to_string(jobs.size()) + " job(s), $0 to $" +
                                   std::to_string(jobs.size() - 1));
  }
  if (n == i) {
    return Status::InvalidArgument(field + " refers to " + dep +
                                   ", the job itself; a job may not depend on itself");
  }
  dep = jobs[n].id;
  return Status::Ok();
}

}  // namespace

bool IsBatchReference(std::string_view text) {
  if (text.size() < 2 || text.size() > 1 + kMaxReferenceDigits || text[0] != '$') return false;
  for (char c : text.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status ResolveBatchReferences(const std::vector<JobSpec>& specs, std::vector<Job>& jobs) {
  for (size_t i = 0; i < jobs.size(); ++i) {
    for (size_t k = 0; k < jobs[i].depends_on.size(); ++k) {
      if (Status s = ResolveOne(specs, jobs, i, k); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

}  // namespace conveyor
