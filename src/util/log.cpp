#include "util/log.hpp"

#include "util/file.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace util::log {

namespace {

enum class Sink { off, stderr_stream, file };

struct State
{
  Sink sink = Sink::off;
  std::filesystem::path path;
  bool wanted = false;
};

State&
state()
{
  static State s;
  return s;
}

} // namespace

void
request(bool wanted)
{
  state().wanted = wanted;
  state().sink = wanted ? Sink::stderr_stream : Sink::off;
}

bool
enabled()
{
  return state().sink != Sink::off;
}

void
to_stderr()
{
  if (state().wanted) {
    state().sink = Sink::stderr_stream;
  }
}

void
to_file(const std::filesystem::path& path)
{
  if (state().wanted) {
    state().sink = Sink::file;
    state().path = path;
  }
}

void
write(std::string_view line)
{
  const auto now =
    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  std::string text = fmt::format("[{}.{:03} {}] {}", now.count() / 1000, now.count() % 1000, ::getpid(), line);
  if (state().sink == Sink::file) {
    append_line(state().path, text);
  } else if (state().sink == Sink::stderr_stream) {
    text += '\n';
    std::fputs(text.c_str(), stderr);
  }
}

} // namespace util::log
