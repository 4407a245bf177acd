#pragma once

#include "error.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace util {
class Environment;
class Runner;
} // namespace util

namespace cmtgen {
struct Config;
}

namespace cmtgen::git {
struct FileChange;
}

namespace cmtgen::backend {

struct Request
{
  std::string system; // system prompt
  std::string prompt; // user prompt: the exact bytes `preview --print-prompt` shows
  int candidates = 1;
  // The change, for backends that do not use a model (offline).
  const std::vector<git::FileChange>* files = nullptr;
};

// The outcome of one generation. Failures are values: the hook decides what to do.
struct Generation
{
  bool ok = false;
  std::vector<std::string> messages; // cleaned; at least one when ok
  Failure failure = Failure::internal;
  std::string diagnosis; // one actionable line, when !ok
  std::string raw;       // the backend's own words (debug log only)

  std::string backend;            // "claude", "command", "offline"
  std::string model;              // as requested, or as reported
  std::string credential_used;    // e.g. "subscription login (~/.claude/.credentials.json)"
  std::string credential_ignored; // e.g. "ANTHROPIC_API_KEY (removed: a login exists)"
  std::optional<double> cost_usd;
  std::chrono::milliseconds elapsed{0};
};

class Backend
{
public:
  virtual ~Backend() = default;
  virtual Generation generate(const Request& request) = 0;
};

// The backend `config` asks for, running children through `runner` with `env` as the base
// environment.
std::unique_ptr<Backend> make_backend(const Config& config, util::Runner& runner, const util::Environment& env);

// One line saying whether a commit would get a message with `config`: which backend, which
// claude and which credential will be used, or what is missing (install ends with it;
// doctor checks the same in detail). Runs nothing.
std::string readiness(const Config& config, const util::Environment& env);

// The offline draft, for cmtgen.fallback=offline.
std::unique_ptr<Backend> make_offline_backend();

} // namespace cmtgen::backend
