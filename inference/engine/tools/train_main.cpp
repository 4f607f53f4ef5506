// tributary-train: the Model Factory's training worker. Serves the training frames of
// PROTOCOL.md ("Training worker") on stdin/stdout, one job at a time, in a process of its own:
// a training job sets the process's OpenMP thread count and holds the activations of a whole
// backward pass, and a crash or out-of-memory in it must not touch a serving engine. Logs go to
// stderr only: stdout carries frames and nothing else.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "server/frame.h"
#include "server/inbox.h"
#include "server/train_server.h"

using namespace tributary;

int main(int argc, char** argv) {
  if (argc > 1) {
    const std::string arg = argv[1];
    std::fputs("usage: tributary-train   (frames on stdin/stdout; see PROTOCOL.md, \"Training worker\")\n", arg == "--help" ? stdout : stderr);
    return arg == "--help" ? 0 : 2;
  }
  ::signal(SIGPIPE, SIG_IGN);  // a vanished client is a failed write, then the end of input
  bool writable = true;
  TrainServer server([&](const Json& message) {
    if (writable && !writeAll(STDOUT_FILENO, encodeFrame(message.dump()))) writable = false;
  });
  auto inbox = std::make_shared<Inbox>();
  std::thread(readFramesInto, STDIN_FILENO, inbox).detach();  // blocked in read() on exit
  bool inputOpen = true;
  while (inputOpen || server.hasWork()) {
    // Frames are taken between training steps: a cancel waits for one step at most.
    for (Inbound& message : inbox->take(inputOpen && !server.hasWork())) {
      if (message.kind == Inbound::Kind::kFrame) server.handleFrame(message.payload);
      else if (message.kind == Inbound::Kind::kFramingError) server.handleFramingError(message.payload);
      else inputOpen = false;
    }
    if (server.shutdownRequested()) return 0;
    if (!inputOpen || !writable) server.inputEnded();
    else server.pump();
  }
  return 0;
}
