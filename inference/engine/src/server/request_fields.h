// Typed readers of a request's fields and the error frame, shared by the serving engine's and
// the training worker's protocol servers so both answer bad input with the same codes and words.
// Every reader throws Error(kInvalidRequest) naming the field.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"
#include "util/json.h"

namespace tributary {

const std::string& requireString(const Json& request, const char* key);
int intField(const Json& request, const char* key, int fallback, int minimum, int maximum);
double numberField(const Json& request, const char* key, double fallback);
bool boolField(const Json& request, const char* key, bool fallback);
std::vector<int> tokenList(const Json& request, const char* key, bool required);

// {"id", "event": "error", "op", "error": {"code", "message", "retryable"}} (PROTOCOL.md).
Json errorFrame(const Json& id, const std::string& op, ErrorCode code, const std::string& message);

// A request's id when it is a string or an integer, else null (PROTOCOL.md).
Json requestId(const Json& request);

using ErrorSink = std::function<void(const Json& id, const std::string& op, ErrorCode code, const std::string& message)>;

struct ParsedRequest {
  Json id;
  std::string op;
  Json request;
};

// A frame's payload as a request, or nothing after reporting why not to `onError`: not JSON or
// not an object (invalid_frame, id null), no usable id or op (invalid_request).
std::optional<ParsedRequest> parseRequest(const std::string& payload, const ErrorSink& onError);

// Runs a request's handler; what it throws becomes that request's error: a JSON accessor's type
// error is the client's (invalid_request), out of memory is busy, anything untyped internal.
void runRequest(const ParsedRequest& request, const std::function<void()>& handler, const ErrorSink& onError);

}  // namespace tributary
