#include "server/inbox.h"

#include "server/frame.h"

namespace tributary {

void Inbox::push(Inbound message) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(message));
  ready_.notify_one();
}

std::deque<Inbound> Inbox::take(bool wait, std::chrono::microseconds idleWait) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (wait) ready_.wait(lock, [&] { return !queue_.empty(); });
  else if (idleWait.count() > 0) ready_.wait_for(lock, idleWait, [&] { return !queue_.empty(); });
  std::deque<Inbound> out;
  out.swap(queue_);
  return out;
}

void readFramesInto(int fd, std::shared_ptr<Inbox> inboxPointer) {
  Inbox& inbox = *inboxPointer;
  std::string payload;
  uint32_t declared = 0;
  while (true) {
    FrameStatus status = readFrame(fd, payload, declared);
    if (status == FrameStatus::kFrame) {
      inbox.push({Inbound::Kind::kFrame, std::move(payload)});
      payload.clear();
    } else if (status == FrameStatus::kTooLarge) {
      inbox.push({Inbound::Kind::kFramingError, "frame of " + std::to_string(declared) + " bytes exceeds the " +
                                                    std::to_string(kMaxFrameBytes) + "-byte limit; its bytes were skipped"});
    } else {
      if (status == FrameStatus::kTruncated) inbox.push({Inbound::Kind::kFramingError, "stream ended inside a frame"});
      inbox.push({Inbound::Kind::kEnd, ""});
      return;
    }
  }
}

}  // namespace tributary
