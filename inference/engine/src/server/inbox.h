// Frames read on their own thread into a queue, so a server sees a cancel or a new request
// between units of work (engine steps, training steps), not after a whole generation or job.
// Shared by tributary-engine and tributary-train.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

namespace tributary {

struct Inbound {
  enum class Kind { kFrame, kFramingError, kEnd } kind;
  std::string payload;
};

class Inbox {
 public:
  void push(Inbound message);
  // wait: block until a message comes; otherwise wait at most `idleWait` for one.
  std::deque<Inbound> take(bool wait, std::chrono::microseconds idleWait = std::chrono::microseconds(0));

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Inbound> queue_;
};

// Reads frames from fd into the inbox until the stream ends (then pushes kEnd). The inbox is
// shared because the reader thread may outlive its server (detached, blocked in read()).
void readFramesInto(int fd, std::shared_ptr<Inbox> inbox);

}  // namespace tributary
