#include "util/json.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "util/error.h"

namespace tributary {

std::string jsonTypeName(Json::Type type) {
  switch (type) {
    case Json::Type::kNull: return "null";
    case Json::Type::kBool: return "boolean";
    case Json::Type::kNumber: return "number";
    case Json::Type::kString: return "string";
    case Json::Type::kArray: return "array";
    case Json::Type::kObject: return "object";
  }
  return "?";
}

namespace {

[[noreturn]] void typeError(std::string_view what, const char* expected, Json::Type actual) {
  fail(ErrorCode::kInvalidJson,
       std::string(what) + " must be " + expected + ", got " + jsonTypeName(actual));
}

// Decodes one UTF-8 sequence at s[i]; returns its length or 0 when invalid (overlong,
// surrogate, above U+10FFFF, truncated).
size_t utf8SequenceLength(std::string_view s, size_t i) {
  unsigned char c = s[i];
  if (c < 0x80) return 1;
  size_t length;
  uint32_t codepoint;
  if ((c & 0xe0) == 0xc0) {
    length = 2;
    codepoint = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    length = 3;
    codepoint = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    length = 4;
    codepoint = c & 0x07;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    unsigned char cc = s[i + k];
    if ((cc & 0xc0) != 0x80) return 0;
    codepoint = (codepoint << 6) | (cc & 0x3f);
  }
  static const uint32_t kMinimum[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (codepoint < kMinimum[length] || codepoint > 0x10ffff) return 0;
  if (codepoint >= 0xd800 && codepoint <= 0xdfff) return 0;
  return length;
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xc0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xe0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(char(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(char(0xf0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(char(0x80 | (cp & 0x3f)));
  }
}

}  // namespace

class JsonParser {
 public:
  JsonParser(std::string_view text, const JsonLimits& limits) : s_(text), limits_(limits) {}

  Json parseDocument() {
    if (s_.size() > limits_.maxBytes) bad("document larger than " + std::to_string(limits_.maxBytes) + " bytes");
    Json value = parseValue();
    skipWhitespace();
    if (i_ != s_.size()) bad("trailing characters after the value");
    return value;
  }

 private:
  std::string_view s_;
  JsonLimits limits_;
  size_t i_ = 0;
  int depth_ = 0;

  [[noreturn]] void bad(const std::string& what) {
    fail(ErrorCode::kInvalidJson, "invalid JSON at byte " + std::to_string(i_) + ": " + what);
  }

  void skipWhitespace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  bool consume(char c) {
    skipWhitespace();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  Json parseValue() {
    skipWhitespace();
    if (i_ >= s_.size()) bad("unexpected end of input");
    char c = s_[i_];
    if (c == '{' || c == '[') {
      if (++depth_ > limits_.maxDepth) bad("nesting deeper than " + std::to_string(limits_.maxDepth));
      Json value = c == '{' ? parseObject() : parseArray();
      --depth_;
      return value;
    }
    if (c == '"') return Json(parseString());
    if (c == '-' || (c >= '0' && c <= '9')) return parseNumber();
    if (matchLiteral("true")) return Json(true);
    if (matchLiteral("false")) return Json(false);
    if (matchLiteral("null")) return Json();
    bad(std::string("unexpected character '") + (c >= 0x20 && c < 0x7f ? std::string(1, c) : "?") + "'");
  }

  bool matchLiteral(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  Json parseObject() {
    ++i_;
    Json object = Json::object();
    if (consume('}')) return object;
    do {
      skipWhitespace();
      if (i_ >= s_.size() || s_[i_] != '"') bad("expected a string key");
      std::string key = parseString();
      for (const auto& member : object.object_) {
        if (member.first == key) bad("duplicate key \"" + key + "\"");
      }
      if (!consume(':')) bad("expected ':'");
      object.object_.emplace_back(std::move(key), parseValue());
    } while (consume(','));
    if (!consume('}')) bad("expected ',' or '}'");
    return object;
  }

  Json parseArray() {
    ++i_;
    Json array = Json::array();
    if (consume(']')) return array;
    do {
      array.array_.push_back(parseValue());
    } while (consume(','));
    if (!consume(']')) bad("expected ',' or ']'");
    return array;
  }

  uint32_t parseHex4() {
    if (i_ + 4 > s_.size()) bad("truncated \\u escape");
    uint32_t value = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') value |= uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value |= uint32_t(c - 'A' + 10);
      else bad("bad hex digit in \\u escape");
    }
    return value;
  }

  std::string parseString() {
    ++i_;  // opening quote
    std::string out;
    while (true) {
      if (i_ >= s_.size()) bad("unterminated string");
      unsigned char c = s_[i_];
      if (c == '"') {
        ++i_;
        return out;
      }
      if (c < 0x20) bad("control character in string");
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) bad("unterminated escape");
        char e = s_[i_++];
        switch (e) {
          case '"': out.push_back('"'); break;
          case '\\': out.push_back('\\'); break;
          case '/': out.push_back('/'); break;
          case 'b': out.push_back('\b'); break;
          case 'f': out.push_back('\f'); break;
          case 'n': out.push_back('\n'); break;
          case 'r': out.push_back('\r'); break;
          case 't': out.push_back('\t'); break;
          case 'u': {
            uint32_t cp = parseHex4();
            if (cp >= 0xdc00 && cp <= 0xdfff) bad("lone low surrogate");
            if (cp >= 0xd800 && cp <= 0xdbff) {
              if (s_.substr(i_, 2) != "\\u") bad("high surrogate without a low surrogate");
              i_ += 2;
              uint32_t low = parseHex4();
              if (low < 0xdc00 || low > 0xdfff) bad("high surrogate without a low surrogate");
              cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
            }
            appendUtf8(out, cp);
            break;
          }
          default: bad("unknown escape");
        }
        continue;
      }
      size_t length = utf8SequenceLength(s_, i_);
      if (length == 0) bad("invalid UTF-8");
      out.append(s_.substr(i_, length));
      i_ += length;
    }
  }

  Json parseNumber() {
    size_t start = i_;
    if (s_[i_] == '-') ++i_;
    auto digits = [&] {
      size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (i_ >= s_.size()) bad("truncated number");
    if (s_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      bad("expected digits");
    }
    bool integer = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      integer = false;
      if (digits() == 0) bad("expected digits after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      integer = false;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) bad("expected exponent digits");
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + i_;
    if (integer) {
      int64_t value;
      auto result = std::from_chars(first, last, value);
      if (result.ec == std::errc() && result.ptr == last) return Json(value);
    }
    double value;
    auto result = std::from_chars(first, last, value);
    if (result.ec != std::errc() || result.ptr != last || !std::isfinite(value)) bad("number out of range");
    return Json(value);
  }
};

Json Json::array(Array items) {
  Json value;
  value.type_ = Type::kArray;
  value.array_ = std::move(items);
  return value;
}

Json Json::object(Object members) {
  Json value;
  value.type_ = Type::kObject;
  value.object_ = std::move(members);
  return value;
}

Json Json::parse(std::string_view text, const JsonLimits& limits) {
  return JsonParser(text, limits).parseDocument();
}

bool Json::asBool(std::string_view what) const {
  if (type_ != Type::kBool) typeError(what, "a boolean", type_);
  return bool_;
}

double Json::asNumber(std::string_view what) const {
  if (type_ != Type::kNumber) typeError(what, "a number", type_);
  return number_;
}

int64_t Json::asInt(std::string_view what) const {
  if (type_ != Type::kNumber || !isInteger_) typeError(what, "an integer", type_);
  return int_;
}

const std::string& Json::asString(std::string_view what) const {
  if (type_ != Type::kString) typeError(what, "a string", type_);
  return string_;
}

const Json::Array& Json::asArray(std::string_view what) const {
  if (type_ != Type::kArray) typeError(what, "an array", type_);
  return array_;
}

const Json::Object& Json::asObject(std::string_view what) const {
  if (type_ != Type::kObject) typeError(what, "an object", type_);
  return object_;
}

const Json* Json::find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& member : object_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

Json& Json::set(std::string key, Json value) {
  if (type_ == Type::kNull) type_ = Type::kObject;
  if (type_ != Type::kObject) fail(ErrorCode::kInternal, "Json::set on a non-object");
  for (auto& member : object_) {
    if (member.first == key) {
      member.second = std::move(value);
      return *this;
    }
  }
  object_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Json& Json::push(Json value) {
  if (type_ == Type::kNull) type_ = Type::kArray;
  if (type_ != Type::kArray) fail(ErrorCode::kInternal, "Json::push on a non-array");
  array_.push_back(std::move(value));
  return *this;
}

namespace {

void dumpString(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(char(c));
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c < 0x20) {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
      ++i;
    } else {
      // Strings built in the engine (error messages quoting file bytes) may hold invalid
      // UTF-8; the wire format must not, so each bad byte becomes U+FFFD.
      size_t length = utf8SequenceLength(s, i);
      if (length == 0) {
        out += "\xef\xbf\xbd";
        ++i;
      } else {
        out.append(s.substr(i, length));
        i += length;
      }
    }
  }
  out.push_back('"');
}

}  // namespace

void Json::dumpTo(std::string& out) const {
  switch (type_) {
    case Type::kNull: out += "null"; break;
    case Type::kBool: out += bool_ ? "true" : "false"; break;
    case Type::kNumber: {
      char buffer[32];
      std::to_chars_result result;
      if (isInteger_) {
        result = std::to_chars(buffer, buffer + sizeof buffer, int_);
      } else if (!std::isfinite(number_)) {
        out += "null";  // JSON has no NaN/Infinity
        break;
      } else if (number_ == std::trunc(number_) && std::fabs(number_) < 9007199254740992.0) {
        result = std::to_chars(buffer, buffer + sizeof buffer, int64_t(number_));
      } else {
        result = std::to_chars(buffer, buffer + sizeof buffer, number_);
      }
      out.append(buffer, result.ptr);
      break;
    }
    case Type::kString: dumpString(out, string_); break;
    case Type::kArray: {
      out.push_back('[');
      for (size_t k = 0; k < array_.size(); ++k) {
        if (k) out.push_back(',');
        array_[k].dumpTo(out);
      }
      out.push_back(']');
      break;
    }
    case Type::kObject: {
      out.push_back('{');
      for (size_t k = 0; k < object_.size(); ++k) {
        if (k) out.push_back(',');
        dumpString(out, object_[k].first);
        out.push_back(':');
        object_[k].second.dumpTo(out);
      }
      out.push_back('}');
      break;
    }
  }
}

std::string Json::dump() const {
  std::string out;
  dumpTo(out);
  return out;
}

int64_t jsonIntOr(const Json& object, std::string_view key, int64_t fallback) {
  const Json* value = object.find(key);
  return value && !value->isNull() ? value->asInt(key) : fallback;
}

double jsonNumberOr(const Json& object, std::string_view key, double fallback) {
  const Json* value = object.find(key);
  return value && !value->isNull() ? value->asNumber(key) : fallback;
}

bool jsonBoolOr(const Json& object, std::string_view key, bool fallback) {
  const Json* value = object.find(key);
  return value && !value->isNull() ? value->asBool(key) : fallback;
}

std::string jsonStringOr(const Json& object, std::string_view key, std::string fallback) {
  const Json* value = object.find(key);
  return value && !value->isNull() ? value->asString(key) : fallback;
}

}  // namespace tributary
