#include "pipeline.hpp"

#include "answer_cache.hpp"
#include "error.hpp"
#include "templates.hpp"
#include "util/log.hpp"
#include "util/runner.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <system_error>

namespace cmtgen {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_recent_subjects = 8;

std::string
cache_key(const Config& config, const prompt::Prompt& prompt)
{
  const std::string candidates = std::to_string(config.candidates);
  std::vector<std::string_view> parts = {backend_name(config.backend), config.model, prompt.system, prompt.user,
                                         candidates};
  parts.insert(parts.end(), config.command.begin(), config.command.end());
  return answer_cache::key(parts);
}

} // namespace

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
    if (auto cached = answer_cache::read(state_directory(*session.repo), key)) {
      CMTGEN_LOG("answer cache hit {}", key);
      backend::Generation generation;
      generation.ok = true;
      generation.backend = std::move(cached->backend);
      generation.model = std::move(cached->model);
      generation.messages = std::move(cached->messages);
      generation.credential_used = "none (cached answer for the same staged change)";
      return generation;
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
    answer_cache::write(state_directory(*session.repo), key,
                        {generation.backend, generation.model, generation.messages});
  }
  return generation;
}

fs::path
state_directory(const git::Repository& repo)
{
  return repo.common_dir() / "cmtgen";
}

} // namespace cmtgen
