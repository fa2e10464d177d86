// Finding the process that holds a store's write lock (see process_lock.h).
#include "storage/process_lock.h"

#include <fcntl.h>
#include <unistd.h>

namespace liqdb::storage {

std::optional<long> LockHolderPid(const std::string& dir) {
  const int fd = ::open((dir + "/LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0;
  std::optional<long> pid;
  if (::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) pid = static_cast<long>(fl.l_pid);
  ::close(fd);
  return pid;
}

std::string WriterBusyMessage(const std::string& dir) {
  const std::optional<long> pid = LockHolderPid(dir);
  return "store '" + dir + "' is being written by another process" +
         (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) +
         "; a store has one writer at a time (readers need no lock)";
}

}  // namespace liqdb::storage
