// A minimal test harness (no third-party test framework on a fresh machine): TEST registers a
// case, CHECK* throw on failure, main runs every case and prints "N passed, N failed".
// Each test binary gets argv[1] = a scratch directory and argv[2] = the tributary-engine binary.
#pragma once

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/error.h"

namespace tributary::testing {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Case {
  const char* name;
  void (*run)();
};

inline std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

struct Registrar {
  Registrar(const char* name, void (*run)()) { registry().push_back({name, run}); }
};

inline std::string& scratchRoot() {
  static std::string root = "/tmp/tributary-test";
  return root;
}

inline std::string& engineBinary() {
  static std::string path;
  return path;
}

// A fresh, empty directory for one test.
inline std::string scratchDir(const std::string& name) {
  std::filesystem::path dir = std::filesystem::path(scratchRoot()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline std::string location(const char* file, int line) {
  return std::string(file) + ":" + std::to_string(line) + ": ";
}

}  // namespace tributary::testing

#define TEST(name)                                                               \
  static void name();                                                            \
  static ::tributary::testing::Registrar name##_registrar(#name, name);          \
  static void name()

#define CHECK(cond)                                                                                     \
  do {                                                                                                  \
    if (!(cond)) throw ::tributary::testing::Failure(::tributary::testing::location(__FILE__, __LINE__) + \
                                                     "CHECK(" #cond ") failed");                          \
  } while (0)

#define CHECK_EQ(a, b)                                                                                     \
  do {                                                                                                     \
    const auto checkA_ = (a);                                                                                \
    const auto checkB_ = (b);                                                                                \
    if (!(checkA_ == checkB_)) {                                                                           \
      std::ostringstream checkMessage_;                                                                    \
      checkMessage_ << ::tributary::testing::location(__FILE__, __LINE__) << "CHECK_EQ(" #a ", " #b        \
                    << ") failed: " << checkA_ << " vs " << checkB_;                                       \
      throw ::tributary::testing::Failure(checkMessage_.str());                                            \
    }                                                                                                      \
  } while (0)

// Runs expr, requires it to throw tributary::Error with the given code.
#define CHECK_THROWS_CODE(expr, expectedCode)                                                               \
  do {                                                                                                      \
    bool checkThrew_ = false;                                                                               \
    try {                                                                                                   \
      (void)(expr);                                                                                         \
    } catch (const ::tributary::Error& checkError_) {                                                       \
      checkThrew_ = true;                                                                                   \
      if (checkError_.code() != (expectedCode)) {                                                           \
        throw ::tributary::testing::Failure(::tributary::testing::location(__FILE__, __LINE__) + "expected " + \
                                            ::tributary::errorCodeName(expectedCode) + ", got " +           \
                                            ::tributary::errorCodeName(checkError_.code()) + ": " +         \
                                            checkError_.what());                                            \
      }                                                                                                     \
    }                                                                                                       \
    if (!checkThrew_) {                                                                                     \
      throw ::tributary::testing::Failure(::tributary::testing::location(__FILE__, __LINE__) + #expr         \
                                          " did not throw " + ::tributary::errorCodeName(expectedCode));    \
    }                                                                                                       \
  } while (0)

int main(int argc, char** argv) {
  if (argc > 1) ::tributary::testing::scratchRoot() = argv[1];
  if (argc > 2) ::tributary::testing::engineBinary() = argv[2];
  const char* only = argc > 3 ? argv[3] : nullptr;
  int passed = 0, failed = 0;
  for (const auto& testCase : ::tributary::testing::registry()) {
    if (only && std::string(only) != testCase.name) continue;
    try {
      testCase.run();
      ++passed;
      std::printf("ok   %s\n", testCase.name);
    } catch (const std::exception& error) {
      ++failed;
      std::printf("FAIL %s\n     %s\n", testCase.name, error.what());
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
