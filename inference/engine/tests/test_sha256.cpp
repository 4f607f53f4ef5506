#include "test_support.h"
#include "util/sha256.h"

using namespace tributary;

TEST(knownVectors) {
  CHECK_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK_EQ(sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(streamingEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(char(i * 31));
  for (size_t split : {size_t(0), size_t(1), size_t(55), size_t(56), size_t(63), size_t(64), size_t(65), size_t(999)}) {
    Sha256 hasher;
    hasher.update(data.substr(0, split));
    hasher.update(data.substr(split));
    CHECK_EQ(hasher.hexDigest(), sha256Hex(data));
  }
}
