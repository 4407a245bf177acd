#include "commands/commands.hpp"
#include "error.hpp"
#include "message.hpp"
#include "util/log.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace cmtgen::commands {

using json = nlohmann::ordered_json;

namespace {

json
file_json(const git::FileChange& file)
{
  json item = {
    {"path", file.path},
    {"status", git::status_name(file.status)},
    {"added", file.added >= 0 ? json(file.added) : json(nullptr)},
    {"removed", file.removed >= 0 ? json(file.removed) : json(nullptr)},
    {"binary", file.binary},
    {"old_size", file.old_size},
    {"new_size", file.new_size},
    {"old_mode", fmt::format("{:06o}", file.old_mode)},
    {"new_mode", fmt::format("{:06o}", file.new_mode)},
  };
  if (file.old_path != file.path) {
    item["old_path"] = file.old_path;
    item["similarity"] = file.similarity;
  }
  if (file.submodule()) {
    item["submodule"] = {{"old", file.old_oid}, {"new", file.new_oid}};
  }
  if (file.too_large) {
    item["too_large"] = true;
  }
  if (file.generated) {
    item["generated"] = true;
  }
  return item;
}

json
omitted_json(const prompt::Prompt& prompt)
{
  json omitted = json::array();
  for (const auto& item : prompt.omitted) {
    omitted.push_back({{"path", item.path}, {"reason", item.reason}});
  }
  return omitted;
}

void
print_json(const json& value)
{
  const std::string text = value.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
}

// A one-line "waiting" indicator on stderr, only on a terminal, cleared when done.
class Progress
{
public:
  explicit Progress(std::string what)
    : m_what(std::move(what))
    , m_enabled(::isatty(STDERR_FILENO) == 1)
  {
    if (m_enabled) {
      m_thread = std::thread([this] { loop(); });
    }
  }

  ~Progress()
  {
    if (!m_enabled) {
      return;
    }
    {
      std::lock_guard lock(m_mutex);
      m_done = true;
    }
    m_wake.notify_one();
    m_thread.join();
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }

  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

private:
  void loop()
  {
    const auto started = std::chrono::steady_clock::now();
    constexpr std::array k_frames = {"|", "/", "-", "\\"};
    std::size_t frame = 0;
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, std::chrono::milliseconds(100), [this] { return m_done; })) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr, "\r\033[K%s %s (%.1f s)", k_frames[frame++ % k_frames.size()], m_what.c_str(), seconds);
      std::fflush(stderr);
    }
  }

  std::string m_what;
  bool m_enabled;
  bool m_done = false;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::thread m_thread;
};

int
report_failure(const PreviewOptions& options, Failure failure, const std::string& what, json extra = json::object())
{
  const int status = report(failure, what);
  if (options.json) {
    extra["error"] = {{"class", failure_name(failure)}, {"message", what}};
    print_json(extra);
  }
  return status;
}

} // namespace

int
run_preview(const Context& context, const PreviewOptions& options)
{
  util::log::to_stderr();
  CMTGEN_LOG("preview: start");
  Session session = open_session(context, options.overrides, false);
  CMTGEN_LOG("preview: repository and config open ({})", session.repo->reader());
  for (const auto& warning : session.config.warnings) {
    fmt::print(stderr, "cmtgen: warning: {}\n", warning);
  }
  const Staged staged = read_staged(session, git::Base::head);
  if (staged.files.empty()) {
    return report_failure(options, Failure::nothing_staged, "nothing staged: add changes with `git add` first");
  }
  CMTGEN_LOG("preview: {} files staged", staged.files.size());
  const prompt::Prompt prompt = make_prompt(session, staged, "");
  CMTGEN_LOG("preview: prompt built, {} bytes", prompt.user.size());

  if (options.print_prompt) {
    if (!options.json) {
      std::fwrite(prompt.user.data(), 1, prompt.user.size(), stdout);
      return 0;
    }
    json files = json::array();
    for (const auto& file : staged.files) {
      files.push_back(file_json(file));
    }
    print_json({
      {"system", prompt.system},
      {"prompt", prompt.user},
      {"files", files},
      {"omitted", omitted_json(prompt)},
      {"bytes",
       {{"system", prompt.system.size()},
        {"prompt", prompt.user.size()},
        {"diff", prompt.diff_bytes},
        {"budget", session.config.max_prompt_bytes}}},
      {"files_with_diff", prompt.files_with_diff},
      {"files_cut", prompt.files_cut},
      {"summary_grouped", prompt.summary_grouped},
      {"redactions", prompt.redactions},
      {"reader", session.repo->reader()},
      {"template", session.config.template_name},
    });
    return 0;
  }

  backend::Generation generation;
  {
    Progress progress(fmt::format("waiting for {}", backend_name(session.config.backend)));
    generation = generate(context, session, prompt, staged, session.config.cache);
  }

  json result = {
    {"backend", generation.backend},
    {"model", generation.model},
    {"credential", {{"used", generation.credential_used}, {"ignored", generation.credential_ignored}}},
    {"elapsed_ms", generation.elapsed.count()},
    {"cost_usd", generation.cost_usd ? json(*generation.cost_usd) : json(nullptr)},
    {"prompt", {{"bytes", prompt.user.size()}, {"omitted", omitted_json(prompt)}}},
  };
  if (!generation.ok) {
    return report_failure(options, generation.failure, generation.diagnosis, result);
  }
  if (options.json) {
    result["message"] = generation.messages.front();
    result["candidates"] = generation.messages;
    print_json(result);
    return 0;
  }
  std::string text;
  for (std::size_t i = 0; i < generation.messages.size(); ++i) {
    if (i > 0) {
      text += fmt::format("\n{}\n\n", message::k_candidate_separator);
    }
    text += generation.messages[i];
    text += '\n';
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (generation.backend == "offline") {
    fmt::print(stderr, "cmtgen: this is an offline draft from the file list, not a model's answer\n");
  }
  return 0;
}

} // namespace cmtgen::commands
