#include "redact/redact.hpp"

#include "redact/internal.hpp"
#include "util/strings.hpp"

#include <array>
#include <string>

// Four passes run over each line, in this order: private key armour (which also spans lines),
// well-known token formats, passwords in URLs, then "secret-named key = value" assignments.
// Each later pass leaves "[REDACTED:...]" alone, so one secret yields one finding and masking
// masked text changes nothing. Every pass is a single left-to-right scan: no regex, no
// backtracking, linear in the line length.
namespace cmtgen::redact {

namespace {

// Source files, where an unquoted value is an expression; everything else (config, shell,
// docs, unknown) reads it as literal text.
bool
is_code_path(std::string_view path)
{
  constexpr std::array<std::string_view, 36> k_code = {
    "c",  "cc",  "cpp", "cxx",   "h",    "hh",  "hpp", "hxx",    "m",      "mm",  "py",  "pyi",
    "js", "mjs", "cjs", "jsx",   "ts",   "tsx", "go",  "rs",     "java",   "kt",  "kts", "scala",
    "rb", "php", "cs",  "swift", "dart", "lua", "vue", "svelte", "groovy", "sql", "pas", "pp"};
  const std::size_t slash = path.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = base.rfind('.');
  return dot != std::string_view::npos && dot > 0 && one_of(util::to_lower(base.substr(dot + 1)), k_code);
}

class Masker
{
public:
  explicit Masker(Result& result)
    : m_sink{result}
  {
  }
  Masker(const Masker&) = delete;
  Masker& operator=(const Masker&) = delete;

  void feed(std::string_view line, std::string& out)
  {
    ++m_sink.line;
    const bool after_minus_header = m_previous_was_minus_header;
    m_previous_was_minus_header = line.starts_with("--- ");
    if (line.starts_with("diff --git ")) {
      const std::size_t b = line.rfind(" b/");
      m_code_file = b != std::string_view::npos && is_code_path(line.substr(b + 3));
      m_keys.reset();
      out += line;
      return;
    }
    if (after_minus_header && line.starts_with("+++ ") && line != "+++ /dev/null") {
      m_code_file = is_code_path(line.substr(4));
    }
    if (is_index_header(line)) {
      out += line; // abbreviated object ids, nothing else
      return;
    }
    if (m_keys.mask_inside(line, out)) {
      return;
    }
    const std::size_t written = out.size();
    process(line, out);
    m_keys.track_pem_run(line, written);
  }

private:
  static bool is_index_header(std::string_view line)
  {
    return line.starts_with("index ") && line.size() > 6 && in_chars(Chars::lower_hex, line[6]) &&
           util::contains(line, "..");
  }

  void process(std::string_view line, std::string& out)
  {
    m_a.clear();
    m_keys.mask_armour(line, m_a);
    m_b.clear();
    mask_tokens(m_a, m_b, m_sink);
    m_a.clear();
    mask_url_credentials(m_b, m_a, m_sink);
    mask_assignments(m_a, out, m_sink, m_code_file);
  }

  Sink m_sink;
  KeyBlocks m_keys{m_sink};
  std::string m_a;
  std::string m_b;
  bool m_code_file = false;
  bool m_previous_was_minus_header = false;
};

} // namespace

Result
mask(std::string_view text)
{
  Result result;
  result.text.reserve(text.size() + text.size() / 16);
  Masker masker(result);
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    masker.feed(text.substr(0, newline), result.text);
    if (newline == std::string_view::npos) {
      break;
    }
    result.text += '\n';
    text.remove_prefix(newline + 1);
  }
  return result;
}

} // namespace cmtgen::redact
