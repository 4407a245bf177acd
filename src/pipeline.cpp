#include "pipeline.hpp"

#include "error.hpp"
#include "message.hpp"
#include "templates.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/runner.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <cstdint>
#include <system_error>

namespace cmtgen {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_recent_subjects = 8;

// FNV-1a: the cache holds one answer; a 64-bit hash of the whole request is plenty.
std::uint64_t
fnv1a(std::uint64_t hash, std::string_view text)
{
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string
cache_key(const Config& config, const prompt::Prompt& prompt)
{
  std::uint64_t hash = 14695981039346656037ULL;
  const std::string command = util::join(config.command, " ");
  for (const std::string_view part :
       {backend_name(config.backend), std::string_view(config.model), std::string_view(prompt.system),
        std::string_view(prompt.user), std::string_view(command)}) {
    hash = fnv1a(hash, part);
    hash = fnv1a(hash, std::string_view("\0", 1));
  }
  hash = fnv1a(hash, std::to_string(config.candidates));
  return fmt::format("{:016x}", hash);
}

fs::path
cache_file(const Session& session)
{
  return state_directory(*session.repo) / "last-answer";
}

std::optional<backend::Generation>
read_cache(const Session& session, const std::string& key)
{
  std::optional<std::string> content;
  try {
    content = util::read_file(cache_file(session), 1024 * 1024);
  } catch (const std::exception& e) {
    CMTGEN_LOG("cache unreadable: {}", e.what());
    return std::nullopt;
  }
  if (!content || !content->starts_with(key + "\n")) {
    return std::nullopt;
  }
  // key \n backend \n model \n then the candidates, separated as the model separates them.
  const auto lines = util::split_lines(*content);
  if (lines.size() < 4) {
    return std::nullopt;
  }
  backend::Generation generation;
  generation.backend = lines[1];
  generation.model = lines[2];
  const std::size_t header = key.size() + lines[1].size() + lines[2].size() + 3;
  generation.messages = message::clean_reply(std::string_view(*content).substr(header), 5);
  if (generation.messages.empty()) {
    return std::nullopt;
  }
  generation.ok = true;
  generation.credential_used = "none (cached answer for the same staged change)";
  return generation;
}

void
write_cache(const Session& session, const std::string& key, const backend::Generation& generation)
{
  std::string content = fmt::format("{}\n{}\n{}\n", key, generation.backend, generation.model);
  for (std::size_t i = 0; i < generation.messages.size(); ++i) {
    if (i > 0) {
      content += fmt::format("\n{}\n", message::k_candidate_separator);
    }
    content += generation.messages[i];
    content += '\n';
  }
  try {
    fs::create_directories(cache_file(session).parent_path());
    util::write_file_atomic(cache_file(session), content, 0600);
  } catch (const std::exception& e) {
    CMTGEN_LOG("cache not written: {}", e.what());
  }
}

} // namespace

Context
current_context()
{
  Context context;
  context.env = util::Environment::current();
  std::error_code ec;
  context.cwd = fs::current_path(ec);
  context.runner = &util::system_runner();
  return context;
}

std::unique_ptr<git::Repository>
open_repository(const Context& context, bool hook_mode)
{
  git::OpenRequest request;
  request.env = context.env;
  request.cwd = context.cwd;
  request.trust_ownership = hook_mode;
  request.runner = context.runner;
  return git::open_repository(request);
}

Session
open_session(const Context& context, const Overrides& overrides, bool hook_mode)
{
  Session session;
  session.repo = open_repository(context, hook_mode);
  session.config = build_config(session.repo->config(config_prefixes()), context.env, overrides);
  CMTGEN_LOG("config read");
  return session;
}

Staged
read_staged(Session& session, git::Base base)
{
  Staged staged;
  staged.head = session.repo->head();
  staged.files = session.repo->staged(base, session.config.renames);
  return staged;
}

prompt::Prompt
make_prompt(Session& session, const Staged& staged, const std::string& previous_message)
{
  prompt::Input input;
  input.template_text = templates::load(session.config.template_name);
  input.files = staged.files;
  input.head = staged.head;
  input.recent_subjects = session.repo->recent_subjects(k_recent_subjects);
  input.previous_message = previous_message;
  input.language = session.config.language;
  input.candidates = session.config.candidates;
  input.max_bytes = session.config.max_prompt_bytes;
  input.exclude = session.config.exclude;
  input.redact = session.config.redact;
  git::Repository* repo = session.repo.get();
  input.patch = [repo](std::size_t index, std::size_t limit) { return repo->patch(index, limit); };
  return prompt::build(input);
}

backend::Generation
generate(const Context& context, Session& session, const prompt::Prompt& prompt, const Staged& staged, bool use_cache)
{
  const Config& config = session.config;
  // The offline draft costs nothing and must never be mistaken for a model's answer.
  const bool cacheable = use_cache && config.cache && config.backend != BackendKind::offline;
  const std::string key = cache_key(config, prompt);
  if (cacheable) {
    if (auto cached = read_cache(session, key)) {
      CMTGEN_LOG("answer cache hit {}", key);
      return std::move(*cached);
    }
  }
  backend::Request request;
  request.system = prompt.system;
  request.prompt = prompt.user;
  request.candidates = config.candidates;
  request.files = &staged.files;
  auto backend = backend::make_backend(config, *context.runner, context.env);
  backend::Generation generation = backend->generate(request);
  if (generation.ok && cacheable) {
    write_cache(session, key, generation);
  }
  return generation;
}

fs::path
state_directory(const git::Repository& repo)
{
  return repo.common_dir() / "cmtgen";
}

} // namespace cmtgen
