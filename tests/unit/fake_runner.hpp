#pragma once

// Test support: a util::Runner that answers the programs a test scripts and records every
// request (as ninja's FakeCommandRunner does), so the hook and the backends are tested in
// milliseconds without a model. Any other program (git) goes to the real runner.
#include "util/runner.hpp"

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace test {

class FakeRunner : public util::Runner
{
public:
  // The next runs of a program whose argv[0] ends with `program` get `results` in order; the
  // last one repeats.
  void script(std::string program, std::vector<util::RunResult> results)
  {
    const std::lock_guard lock(m_mutex);
    m_scripts[std::move(program)] = {std::move(results), 0};
  }

  util::RunResult run(const util::RunRequest& request) override
  {
    {
      const std::lock_guard lock(m_mutex);
      const std::string_view program = request.argv.empty() ? "" : std::string_view(request.argv.front());
      for (auto& [name, script] : m_scripts) {
        if (program.ends_with(name) && !script.first.empty()) {
          m_calls.push_back(request);
          const std::size_t index = std::min(script.second++, script.first.size() - 1);
          return script.first[index];
        }
      }
    }
    return util::system_runner().run(request);
  }

  // The scripted requests made so far, in order.
  std::vector<util::RunRequest> calls() const
  {
    const std::lock_guard lock(m_mutex);
    return m_calls;
  }

private:
  mutable std::mutex m_mutex;
  std::map<std::string, std::pair<std::vector<util::RunResult>, std::size_t>> m_scripts;
  std::vector<util::RunRequest> m_calls;
};

inline util::RunResult
exited(int code, std::string out, std::string err = {})
{
  util::RunResult result;
  result.reason = util::RunReason::exited;
  result.exit_code = code;
  result.out = std::move(out);
  result.err = std::move(err);
  return result;
}

inline util::RunResult
timed_out()
{
  util::RunResult result;
  result.reason = util::RunReason::timed_out;
  result.signal = 15;
  return result;
}

} // namespace test
