// A strict JSON (RFC 8259) value, parser and writer for configs and the wire protocol.
// Strict: no comments, trailing commas, NaN/Infinity, duplicate keys, invalid UTF-8, lone
// surrogates or trailing garbage; bounded nesting depth. Objects keep insertion order so the
// writer's output is stable.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tributary {

struct JsonLimits {
  int maxDepth = 64;
  size_t maxBytes = size_t(256) << 20;
};

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<Json>;
  using Member = std::pair<std::string, Json>;
  using Object = std::vector<Member>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool value) : type_(Type::kBool), bool_(value) {}
  Json(double value) : type_(Type::kNumber), number_(value) {}
  Json(float value) : Json(double(value)) {}
  Json(int value) : Json(int64_t(value)) {}
  Json(int64_t value) : type_(Type::kNumber), number_(double(value)), int_(value), isInteger_(true) {}
  Json(uint64_t value) : Json(int64_t(value)) {}
  Json(const char* value) : type_(Type::kString), string_(value) {}
  Json(std::string value) : type_(Type::kString), string_(std::move(value)) {}
  Json(std::string_view value) : type_(Type::kString), string_(value) {}

  static Json array(Array items = {});
  static Json object(Object members = {});
  static Json parse(std::string_view text, const JsonLimits& limits = {});

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::kNull; }
  bool isBool() const { return type_ == Type::kBool; }
  bool isNumber() const { return type_ == Type::kNumber; }
  bool isInteger() const { return type_ == Type::kNumber && isInteger_; }
  bool isString() const { return type_ == Type::kString; }
  bool isArray() const { return type_ == Type::kArray; }
  bool isObject() const { return type_ == Type::kObject; }

  // Accessors throw Error(kInvalidJson) on a type mismatch; `what` names the field in messages.
  bool asBool(std::string_view what = "value") const;
  double asNumber(std::string_view what = "value") const;
  int64_t asInt(std::string_view what = "value") const;  // only exact integer literals
  const std::string& asString(std::string_view what = "value") const;
  const Array& asArray(std::string_view what = "value") const;
  const Object& asObject(std::string_view what = "value") const;

  const Json* find(std::string_view key) const;  // nullptr when absent or not an object
  Json& set(std::string key, Json value);         // objects: replaces or appends
  Json& push(Json value);                         // arrays

  std::string dump() const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  int64_t int_ = 0;
  bool isInteger_ = false;
  std::string string_;
  Array array_;
  Object object_;

  friend class JsonParser;
  void dumpTo(std::string& out) const;
};

std::string jsonTypeName(Json::Type type);

// Small typed getters for config-style objects: absent or null fields take the default.
int64_t jsonIntOr(const Json& object, std::string_view key, int64_t fallback);
double jsonNumberOr(const Json& object, std::string_view key, double fallback);
bool jsonBoolOr(const Json& object, std::string_view key, bool fallback);
std::string jsonStringOr(const Json& object, std::string_view key, std::string fallback);

}  // namespace tributary
