#include "test_support.h"
#include "util/json.h"

using namespace tributary;

TEST(parsesScalarsArraysAndObjects) {
  Json value = Json::parse(R"( {"a": [1, -2.5, true, false, null], "b": {"c": "d"}, "e": 1e3} )");
  const auto& a = value.find("a")->asArray();
  CHECK_EQ(a.size(), size_t(5));
  CHECK_EQ(a[0].asInt(), 1);
  CHECK_EQ(a[1].asNumber(), -2.5);
  CHECK(a[2].asBool());
  CHECK(a[4].isNull());
  CHECK_EQ(value.find("b")->find("c")->asString(), "d");
  CHECK(!value.find("e")->isInteger());
  CHECK_EQ(value.find("e")->asNumber(), 1000.0);
}

TEST(keepsLargeIntegersExact) {
  Json value = Json::parse("[9007199254740993, -9223372036854775808]");
  CHECK_EQ(value.asArray()[0].asInt(), int64_t(9007199254740993));
  CHECK_EQ(value.asArray()[1].asInt(), INT64_MIN);
  CHECK_EQ(value.dump(), "[9007199254740993,-9223372036854775808]");
}

TEST(decodesEscapesAndSurrogatePairs) {
  Json value = Json::parse(R"("a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00")");
  CHECK_EQ(value.asString(), std::string("a\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80"));
}

TEST(rejectsNonStrictInputs) {
  const char* bad[] = {
      "",           " ",          "[1,]",        "{\"a\":1,}",   "{'a':1}",        "[01]",     "[1.]",
      "[.5]",       "[1e]",       "NaN",         "[Infinity]",   "[-]",            "{\"a\" 1}", "[1 2]",
      "tru",        "nul",        "\"abc",       "\"\\x\"",      "\"\\ud800\"",    "\"\\udc00\"", "[1] x",
      "{\"a\":1,\"a\":2}",        "\"\x01\"",    "\"\xff\"",     "\"\xc0\xaf\"",   "\"\xed\xa0\x80\"",
      "[1e999]",    "// c\n1",    "{\"a\":}",    "[",            "{",
  };
  for (const char* text : bad) CHECK_THROWS_CODE(Json::parse(text), ErrorCode::kInvalidJson);
}

TEST(boundsNestingDepth) {
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  CHECK_THROWS_CODE(Json::parse(deep), ErrorCode::kInvalidJson);
  std::string fine(60, '[');
  fine += std::string(60, ']');
  CHECK(Json::parse(fine).isArray());
}

TEST(dumpRoundTripsAndEscapes) {
  Json value = Json::object({{"s", Json("q\"\\\n\x01")}, {"n", Json(0.1)}, {"i", Json(42)}, {"z", Json(-0.0)},
                             {"arr", Json::array({Json(true), Json()})}});
  std::string text = value.dump();
  CHECK_EQ(text, R"({"s":"q\"\\\n\u0001","n":0.1,"i":42,"z":0,"arr":[true,null]})");
  CHECK_EQ(Json::parse(text).dump(), text);
}

TEST(dumpReplacesInvalidUtf8) {
  CHECK_EQ(Json(std::string("a\xff")).dump(), "\"a\xef\xbf\xbd\"");
}

TEST(typedAccessorsNameTheField) {
  Json value = Json::parse(R"({"r": "eight"})");
  try {
    value.find("r")->asInt("r");
    CHECK(false);
  } catch (const Error& error) {
    CHECK(std::string(error.what()).find("r must be an integer") != std::string::npos);
  }
  CHECK_EQ(jsonIntOr(value, "missing", 7), 7);
}
