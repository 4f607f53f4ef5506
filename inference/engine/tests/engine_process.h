// Spawns tributary-engine with pipes and speaks frames to it, with timeouts so a hung engine
// fails the test instead of hanging it.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "server/frame.h"
#include "test_support.h"
#include "util/json.h"

namespace tributary::testing {

class EngineProcess {
 public:
  explicit EngineProcess(const std::vector<std::string>& args = {}) {
    ::signal(SIGPIPE, SIG_IGN);
    int toChild[2], fromChild[2];
    if (::pipe(toChild) != 0 || ::pipe(fromChild) != 0) throw Failure("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(toChild[0], 0);
      ::dup2(fromChild[1], 1);
      ::close(toChild[1]);
      ::close(fromChild[0]);
      std::vector<char*> argv;
      std::string binary = engineBinary();
      argv.push_back(binary.data());
      std::vector<std::string> copies = args;
      for (auto& a : copies) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(toChild[0]);
    ::close(fromChild[1]);
    in_ = toChild[1];
    out_ = fromChild[0];
  }

  ~EngineProcess() {
    if (in_ >= 0) ::close(in_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  void sendRaw(const std::string& bytes) {
    if (!writeAll(in_, bytes)) throw Failure("engine stdin closed");
  }
  void send(const Json& message) { sendRaw(encodeFrame(message.dump())); }

  Json receive(int timeoutMs = 30000) {
    std::string header = readExactly(4, timeoutMs);
    uint32_t length = uint32_t(uint8_t(header[0])) << 24 | uint32_t(uint8_t(header[1])) << 16 |
                      uint32_t(uint8_t(header[2])) << 8 | uint8_t(header[3]);
    return Json::parse(readExactly(length, timeoutMs));
  }

  // Sends a request and returns the first reply carrying its id.
  Json call(const Json& message) {
    send(message);
    const Json& id = *message.find("id");
    while (true) {
      Json reply = receive();
      if (reply.find("id") && reply.find("id")->dump() == id.dump()) return reply;
    }
  }

  void closeInput() {
    ::close(in_);
    in_ = -1;
  }

  // A crash as the supervisor sees one: no chance to finish anything.
  void killNow() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  int wait(int timeoutMs = 30000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      ::usleep(10000);
    }
    throw Failure("engine did not exit");
  }

 private:
  std::string readExactly(size_t size, int timeoutMs) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (out.size() < size) {
      int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
      pollfd p{out_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, left) <= 0) throw Failure("timed out waiting for the engine");
      char buffer[65536];
      ssize_t got = ::read(out_, buffer, std::min(sizeof buffer, size - out.size()));
      if (got <= 0) throw Failure("engine closed its output");
      out.append(buffer, size_t(got));
    }
    return out;
  }

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
};

}  // namespace tributary::testing
