// tributary-engine: serves the framed local protocol (PROTOCOL.md) on stdin/stdout, or on a
// unix socket with --socket PATH (one client connection at a time). Logs go to stderr only:
// stdout carries frames and nothing else.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "runtime/forward_model.h"
#include "server/frame.h"
#include "server/inbox.h"
#include "server/protocol_server.h"
#include "util/error.h"

using namespace tributary;

namespace {

const char* kUsage = R"(usage: tributary-engine [--model DIR] [--options JSON] [--socket PATH] [--backend cpu|cuda]
  --model DIR     load this model at start (else send a load_model frame)
  --options JSON  engine options for --model, e.g. {"kv_blocks":512,"adapter_slots":16}
  --socket PATH   serve on a unix socket instead of stdin/stdout
  --backend NAME  cpu (default) or cuda, for models whose options name no "backend"
)";

// Serves one connection until its input ends (then finishes the work in flight) or shutdown.
// Returns false when the peer is gone for writing.
bool serve(ProtocolServer& server, int inFd, int outFd, bool& writable) {
  auto inboxPointer = std::make_shared<Inbox>();
  Inbox& inbox = *inboxPointer;
  std::thread reader(readFramesInto, inFd, inboxPointer);
  reader.detach();  // blocked in read() on exit; the process ends with it
  bool inputOpen = true;
  // A step that could run nothing (every request waits for an adapter copy or load) is retried
  // after a short wait rather than at once, so waiting does not spin a core.
  constexpr std::chrono::microseconds kIdleWait{200};
  bool idle = false;
  while (writable) {
    for (Inbound& message : inbox.take(inputOpen && !server.hasWork(), idle ? kIdleWait : std::chrono::microseconds(0))) {
      if (message.kind == Inbound::Kind::kFrame) server.handleFrame(message.payload);
      else if (message.kind == Inbound::Kind::kFramingError) server.handleFramingError(message.payload);
      else inputOpen = false;
    }
    if (server.shutdownRequested()) return writable;
    if (server.hasWork()) idle = !server.pump();
    else if (!inputOpen) break;
  }
  (void)outFd;
  return writable;
}

int listenOn(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    fail(ErrorCode::kInvalidRequest, "socket path " + path + " is " + std::to_string(path.size()) + " bytes; a unix socket path holds at most " +
                                         std::to_string(sizeof(address.sun_path) - 1) + " bytes (sun_path is " +
                                         std::to_string(sizeof(address.sun_path)) + " with its NUL): use a shorter path");
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) fail(ErrorCode::kIo, "cannot create socket " + path + ": " + std::strerror(errno));
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 4) != 0) {
    fail(ErrorCode::kIo, "cannot listen on " + path + ": " + std::strerror(errno));
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a vanished client is a failed write, not a dead engine
  std::string modelDir, options, socketPath, backend;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--model" || arg == "--options" || arg == "--socket" || arg == "--backend") && i + 1 < argc) {
      (arg == "--model" ? modelDir : arg == "--options" ? options : arg == "--socket" ? socketPath : backend) = argv[++i];
    } else {
      std::fputs(kUsage, arg == "--help" ? stdout : stderr);
      return arg == "--help" ? 0 : 2;
    }
  }
  if (!backend.empty()) {
    try {
      const Backend chosen = parseBackend(backend);
      if (!backendAvailable(chosen)) {
        fail(ErrorCode::kInvalidRequest, "backend " + backend + " is not available: this binary was built without it (rebuild with -DTRIBUTARY_CUDA=ON)");
      }
      setDefaultBackend(chosen);
    } catch (const Error& error) {
      std::fprintf(stderr, "tributary-engine: %s\n", error.what());
      return 2;
    }
  }
  int outFd = STDOUT_FILENO;
  bool writable = true;
  ProtocolServer server([&](const Json& message) {
    if (writable && !writeAll(outFd, encodeFrame(message.dump()))) writable = false;
  });
  try {
    if (!modelDir.empty()) server.loadModel(modelDir, options.empty() ? Json() : Json::parse(options));
  } catch (const Error& error) {
    std::fprintf(stderr, "tributary-engine: %s: %s\n", errorCodeName(error.code()), error.what());
    return 1;
  }
  if (socketPath.empty()) {
    serve(server, STDIN_FILENO, outFd, writable);
    return 0;
  }
  int listener;
  try {
    listener = listenOn(socketPath);
  } catch (const Error& error) {
    std::fprintf(stderr, "tributary-engine: %s\n", error.what());
    return 1;
  }
  std::fprintf(stderr, "tributary-engine: listening on %s\n", socketPath.c_str());
  while (!server.shutdownRequested()) {
    int client = ::accept(listener, nullptr, nullptr);
    if (client < 0) continue;
    outFd = client;
    writable = true;
    serve(server, client, client, writable);
    ::shutdown(client, SHUT_RDWR);
    ::close(client);
  }
  ::unlink(socketPath.c_str());
  return 0;
}
