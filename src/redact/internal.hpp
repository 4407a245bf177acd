#pragma once

// The passes behind mask() and what they share. Internal to redact.
//   redact.cpp              the driver: lines, diff structure, which pass runs when
//   redact_keys.cpp         private key armour and bodies, across lines and hunks
//   redact_tokens.cpp       well-known token formats, JWTs, Bearer and Basic credentials
//   redact_urls.cpp         the password in scheme://user:password@host
//   redact_assignments.cpp  "secret-named key = value" in the common syntaxes
//   redact_values.cpp       what a placeholder, a path, a random-looking value is
// Each pass reads one line `in` and appends it to `out` with its secrets replaced by
// markers, reporting each one to the Sink.

#include "redact/redact.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace cmtgen::redact {

// ---- Shared by the passes

constexpr std::string_view k_marker_open = "[REDACTED:";

inline bool
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

inline bool
is_upper(char c)
{
  return c >= 'A' && c <= 'Z';
}

inline bool
is_lower(char c)
{
  return c >= 'a' && c <= 'z';
}

inline bool
is_alpha(char c)
{
  return is_upper(c) || is_lower(c);
}

inline bool
is_alnum(char c)
{
  return is_alpha(c) || is_digit(c);
}

inline bool
is_blank(char c)
{
  return c == ' ' || c == '\t';
}

inline bool
is_space(char c)
{
  return is_blank(c) || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

inline bool
is_quote(char c)
{
  return c == '"' || c == '\'' || c == '`';
}

inline bool
is_base64(char c)
{
  return is_alnum(c) || c == '+' || c == '/' || c == '=';
}

inline char
to_lower(char c)
{
  return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool
starts_with_at(std::string_view text, std::size_t at, std::string_view prefix)
{
  return at <= text.size() && text.substr(at).starts_with(prefix);
}

inline bool
istarts_with_at(std::string_view text, std::size_t at, std::string_view prefix)
{
  if (at > text.size() || text.size() - at < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (to_lower(text[at + i]) != prefix[i]) {
      return false;
    }
  }
  return true;
}

inline std::string
marker(std::string_view kind)
{
  return std::string(k_marker_open) + std::string(kind) + "]";
}

template<std::size_t N>
bool
one_of(std::string_view word, const std::array<std::string_view, N>& words)
{
  return std::find(words.begin(), words.end(), word) != words.end();
}

struct Span
{
  std::size_t begin; // what gets replaced
  std::size_t end;
  std::string_view kind;
};

struct Sink
{
  Result& result;
  std::size_t line = 0;

  // Appends in[copied, span.begin) and the marker, and records the finding on this line.
  void replace(std::string& out, std::string_view in, std::size_t& copied, const Span& span)
  {
    out.append(in.substr(copied, span.begin - copied));
    out += marker(span.kind);
    copied = span.end;
    found(span.kind, line);
  }

  void found(std::string_view kind, std::size_t at_line)
  {
    result.findings.push_back(Finding{std::string(kind), at_line});
  }
};

// ---- The passes after the key armour (redact_tokens.cpp, redact_urls.cpp, redact_assignments.cpp)

void mask_tokens(std::string_view in, std::string& out, Sink& sink);
void mask_url_credentials(std::string_view in, std::string& out, Sink& sink);
// `code_file`: the line is from a source file, where an unquoted value is an expression.
void mask_assignments(std::string_view in, std::string& out, Sink& sink, bool code_file);

// Character classes of token bodies (redact_tokens.cpp).
enum class Chars { upper_alnum, alnum, word, token, dotted, lower_hex, header };

bool in_chars(Chars chars, char c);

// Two of lower, upper, digit: "abcd1234", "dXNlcjpwYXNz" (redact_tokens.cpp).
bool is_alnum_mixed(std::string_view text);

// ---- Judging values (redact_values.cpp)

// What configuration and templates put where a value is substituted later ($VAR, ${VAR},
// ${{ secrets.X }}, %(pw)s, {{ token }}, <password>, {token}, ****), and our own markers.
bool is_reference(std::string_view value);
// A reference, or what documentation and templates fill secret slots with ("changeme",
// "your-token-here", "xxxx", "os.environ[...]").
bool is_placeholder(std::string_view value);
// An absolute, relative or home path, or a file name with a key, certificate or config
// extension (".pem", ".json", ...).
bool is_path(std::string_view value);
// GITHUB_TOKEN as a value says where the secret lives ("token_env: GITHUB_TOKEN").
bool is_variable_name(std::string_view value);
// Two character classes with some spread ("hunter2hunter2", "Xk9#mQ2$vL"), or one class and
// 12+ characters ("correcthorsebatterystaple"). Rejects "aaaa1111", "required", "kerberos":
// the config words that fill auth slots are short.
bool looks_random(std::string_view value);
// config.password, self._token, Settings::TOKEN, obj->secret: a reference to a value elsewhere.
bool is_member_chain(std::string_view value);

// ---- Private key blocks (redact_keys.cpp)

// Private keys, whose armour and body can span lines, hunks, or begin before the hunk does.
// Lines are fed in order, and `out` is the whole output so far.
class KeyBlocks
{
public:
  explicit KeyBlocks(Sink& sink)
    : m_sink(sink)
  {
  }

  // A new file of the diff: no block continues into it.
  void reset();
  // Masks `line` and returns true when it lies inside a block opened on an earlier line; no
  // other pass then runs on it. At the END line of a block whose BEGIN line git did not
  // show, first masks the body lines already in `out`, and returns false.
  bool mask_inside(std::string_view line, std::string& out);
  // The first pass over a line: masks what follows a private key's BEGIN armour, and opens a
  // block when its END is not on the same line.
  void mask_armour(std::string_view in, std::string& out);
  // After the passes over `line`, whose output starts at offset `line_start` of `out`.
  void track_pem_run(std::string_view line, std::size_t line_start);

private:
  void mask_body(std::string_view line, std::string& out, std::size_t finding_line);

  Sink& m_sink;
  bool m_in_key = false;
  std::size_t m_key_line = 0;
  bool m_key_reported = false;
  std::size_t m_pem_run = std::string_view::npos; // output offset of a run of PEM-body-like lines
  std::size_t m_pem_run_line = 0;
};

} // namespace cmtgen::redact
