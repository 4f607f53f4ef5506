#include "server/request_fields.h"

#include <climits>

namespace tributary {

const std::string& requireString(const Json& request, const char* key) {
  const Json* value = request.find(key);
  if (!value || !value->isString() || value->asString().empty()) {
    fail(ErrorCode::kInvalidRequest, std::string("\"") + key + "\" must be a non-empty string");
  }
  return value->asString();
}

int intField(const Json& request, const char* key, int fallback, int minimum, int maximum) {
  const Json* value = request.find(key);
  if (!value || value->isNull()) return fallback;
  if (!value->isInteger() || value->asInt() < minimum || value->asInt() > maximum) {
    fail(ErrorCode::kInvalidRequest, std::string("\"") + key + "\" must be an integer in " + std::to_string(minimum) + ".." +
                                         std::to_string(maximum));
  }
  return int(value->asInt());
}

double numberField(const Json& request, const char* key, double fallback) {
  const Json* value = request.find(key);
  if (!value || value->isNull()) return fallback;
  if (!value->isNumber()) fail(ErrorCode::kInvalidRequest, std::string("\"") + key + "\" must be a number");
  return value->asNumber();
}

bool boolField(const Json& request, const char* key, bool fallback) {
  const Json* value = request.find(key);
  if (!value || value->isNull()) return fallback;
  if (!value->isBool()) fail(ErrorCode::kInvalidRequest, std::string("\"") + key + "\" must be a boolean");
  return value->asBool();
}

std::vector<int> tokenList(const Json& request, const char* key, bool required) {
  const Json* value = request.find(key);
  std::vector<int> tokens;
  if (!value || value->isNull()) {
    if (required) fail(ErrorCode::kInvalidRequest, std::string("\"") + key + "\" is required");
    return tokens;
  }
  if (!value->isArray()) fail(ErrorCode::kInvalidRequest, std::string("\"") + key + "\" must be an array of token ids");
  for (const Json& token : value->asArray()) {
    if (!token.isInteger() || token.asInt() < 0 || token.asInt() > INT_MAX) {
      fail(ErrorCode::kInvalidRequest, std::string("\"") + key + "\" must hold non-negative integer token ids");
    }
    tokens.push_back(int(token.asInt()));
  }
  return tokens;
}

Json errorFrame(const Json& id, const std::string& op, ErrorCode code, const std::string& message) {
  return Json::object({{"id", id},
                       {"event", Json("error")},
                       {"op", op.empty() ? Json() : Json(op)},
                       {"error", Json::object({{"code", Json(errorCodeName(code))},
                                               {"message", Json(message)},
                                               {"retryable", Json(isRetryable(code))}})}});
}

Json requestId(const Json& request) {
  const Json* id = request.find("id");
  return id && (id->isString() || id->isInteger()) ? *id : Json();
}

std::optional<ParsedRequest> parseRequest(const std::string& payload, const ErrorSink& onError) {
  ParsedRequest parsed;
  try {
    parsed.request = Json::parse(payload);
  } catch (const Error& error) {
    onError(Json(), "", ErrorCode::kInvalidFrame, std::string("frame is not valid JSON: ") + error.what());
    return std::nullopt;
  }
  if (!parsed.request.isObject()) {
    onError(Json(), "", ErrorCode::kInvalidFrame, "frame must hold a JSON object");
    return std::nullopt;
  }
  parsed.id = requestId(parsed.request);
  const Json* opField = parsed.request.find("op");
  parsed.op = opField && opField->isString() ? opField->asString() : "";
  if (parsed.id.isNull()) {
    onError(Json(), parsed.op, ErrorCode::kInvalidRequest, "\"id\" must be a string or an integer");
    return std::nullopt;
  }
  if (parsed.op.empty()) {
    onError(parsed.id, "", ErrorCode::kInvalidRequest, "\"op\" must be a string");
    return std::nullopt;
  }
  return parsed;
}

void runRequest(const ParsedRequest& request, const std::function<void()>& handler, const ErrorSink& onError) {
  try {
    handler();
  } catch (const Error& error) {
    // Accessor type errors on the request's fields are the client's fault, not a JSON syntax error.
    onError(request.id, request.op, error.code() == ErrorCode::kInvalidJson ? ErrorCode::kInvalidRequest : error.code(), error.what());
  } catch (const std::bad_alloc&) {
    onError(request.id, request.op, ErrorCode::kBusy, "out of memory while handling the request");
  } catch (const std::exception& error) {
    onError(request.id, request.op, ErrorCode::kInternal, error.what());
  }
}

}  // namespace tributary
