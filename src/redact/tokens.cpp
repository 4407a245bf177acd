#include "redact/internal.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

namespace cmtgen::redact {

bool
in_chars(Chars chars, char c)
{
  switch (chars) {
    case Chars::upper_alnum: return is_upper(c) || is_digit(c);
    case Chars::alnum: return is_alnum(c);
    case Chars::word: return is_alnum(c) || c == '_';
    case Chars::token: return is_alnum(c) || c == '_' || c == '-';
    case Chars::dotted: return is_alnum(c) || c == '_' || c == '-' || c == '.';
    case Chars::lower_hex: return is_digit(c) || (c >= 'a' && c <= 'f');
    case Chars::header: return is_alnum(c) || std::string_view("-._~+/=").find(c) != std::string_view::npos;
  }
  return false;
}

namespace {

struct TokenRule
{
  std::string_view prefix;
  std::string_view kind;
  Chars chars;          // of what follows the prefix
  std::size_t min_rest; // characters after the prefix
  std::size_t max_rest; // 0: no upper bound
  bool needs_mixed;     // the prefix alone is too common ("sk-"): demand random-looking text
};

// More specific prefixes first ("sk-ant-" before "sk-"): the first rule that matches wins.
constexpr std::array k_token_rules = {
  TokenRule{"AKIA", "aws-access-key", Chars::upper_alnum, 16, 16, false},
  TokenRule{"ASIA", "aws-access-key", Chars::upper_alnum, 16, 16, false},
  TokenRule{"github_pat_", "github-token", Chars::word, 22, 0, false},
  TokenRule{"ghp_", "github-token", Chars::alnum, 36, 0, false},
  TokenRule{"gho_", "github-token", Chars::alnum, 36, 0, false},
  TokenRule{"ghu_", "github-token", Chars::alnum, 36, 0, false},
  TokenRule{"ghs_", "github-token", Chars::alnum, 36, 0, false},
  TokenRule{"ghr_", "github-token", Chars::alnum, 36, 0, false},
  TokenRule{"glpat-", "gitlab-token", Chars::token, 20, 0, false},
  TokenRule{"xoxa-", "slack-token", Chars::token, 10, 0, false},
  TokenRule{"xoxb-", "slack-token", Chars::token, 10, 0, false},
  TokenRule{"xoxp-", "slack-token", Chars::token, 10, 0, false},
  TokenRule{"xoxo-", "slack-token", Chars::token, 10, 0, false},
  TokenRule{"xoxs-", "slack-token", Chars::token, 10, 0, false},
  TokenRule{"xoxr-", "slack-token", Chars::token, 10, 0, false},
  TokenRule{"sk_live_", "stripe-key", Chars::alnum, 16, 0, false},
  TokenRule{"rk_live_", "stripe-key", Chars::alnum, 16, 0, false},
  TokenRule{"sk_test_", "stripe-key", Chars::alnum, 16, 0, false},
  TokenRule{"rk_test_", "stripe-key", Chars::alnum, 16, 0, false},
  TokenRule{"sk-ant-", "anthropic-key", Chars::token, 32, 0, false},
  TokenRule{"sk-proj-", "openai-key", Chars::token, 32, 0, false},
  TokenRule{"sk-svcacct-", "openai-key", Chars::token, 32, 0, false},
  TokenRule{"sk-admin-", "openai-key", Chars::token, 32, 0, false},
  TokenRule{"sk-", "openai-key", Chars::token, 32, 0, true},
  TokenRule{"AIza", "google-api-key", Chars::token, 35, 35, false},
  TokenRule{"npm_", "npm-token", Chars::alnum, 36, 36, false},
  TokenRule{"SK", "twilio-key", Chars::lower_hex, 32, 32, false},
  TokenRule{"SG.", "sendgrid-key", Chars::dotted, 60, 0, false},
  TokenRule{"hf_", "huggingface-token", Chars::alnum, 30, 0, true},
  TokenRule{"pypi-", "pypi-token", Chars::token, 50, 0, false},
};

// The characters a token can start with ('b'/'B' for Bearer and Basic, 'e' for JWTs), so
// most positions of a line cost one table lookup.
constexpr auto k_token_starts = [] {
  std::array<bool, 256> starts{};
  for (const TokenRule& rule : k_token_rules) {
    starts[static_cast<unsigned char>(rule.prefix.front())] = true;
  }
  starts['b'] = starts['B'] = starts['e'] = true;
  return starts;
}();

int
alnum_classes(std::string_view text)
{
  const auto has = [&](bool (*test)(char)) { return std::any_of(text.begin(), text.end(), test) ? 1 : 0; };
  return has(is_lower) + has(is_upper) + has(is_digit);
}

// Lower, upper and digit all present: true of any random base62 token of 32+ characters,
// rarely of a kebab-case name that happens to start with "sk-".
bool
is_mixed(std::string_view text)
{
  return alnum_classes(text) == 3;
}

std::size_t
run_end(std::string_view text, std::size_t from, Chars chars, std::size_t limit)
{
  limit = std::min(limit, text.size());
  while (from < limit && in_chars(chars, text[from])) {
    ++from;
  }
  return from;
}

// `dead` remembers, per unbounded rule, where its last failed attempt stopped: any start inside
// that run sees a suffix of it and fails too, so skipping keeps the scan linear.
std::optional<Span>
match_table(std::string_view text, std::size_t at, std::array<std::size_t, k_token_rules.size()>& dead)
{
  for (std::size_t r = 0; r < k_token_rules.size(); ++r) {
    const TokenRule& rule = k_token_rules[r];
    if (at < dead[r] || !starts_with_at(text, at, rule.prefix)) {
      continue;
    }
    const std::size_t body = at + rule.prefix.size();
    const std::size_t end =
      run_end(text, body, rule.chars, rule.max_rest == 0 ? text.size() : body + rule.max_rest + 1);
    const std::size_t rest = end - body;
    const bool ok = rest >= rule.min_rest && (rule.max_rest == 0 || rest <= rule.max_rest) &&
                    (end == text.size() || !is_alnum(text[end])) &&
                    (!rule.needs_mixed || is_mixed(text.substr(body, rest)));
    if (ok) {
      return Span{at, end, rule.kind};
    }
    if (rule.max_rest == 0) {
      dead[r] = end;
    }
  }
  return std::nullopt;
}

// header.payload[.signature]: both JSON objects, so both base64url parts start with "eyJ".
std::optional<Span>
match_jwt(std::string_view text, std::size_t at, std::size_t& dead)
{
  if (at < dead || !starts_with_at(text, at, "eyJ")) {
    return std::nullopt;
  }
  const std::size_t header_end = run_end(text, at, Chars::token, text.size());
  dead = header_end;
  if (header_end - at < 10 || !starts_with_at(text, header_end, ".eyJ")) {
    return std::nullopt;
  }
  const std::size_t payload_end = run_end(text, header_end + 1, Chars::token, text.size());
  if (payload_end - header_end < 11) {
    return std::nullopt;
  }
  std::size_t end = payload_end;
  if (end < text.size() && text[end] == '.') {
    end = run_end(text, end + 1, Chars::token, text.size());
  }
  return Span{at, end, "jwt"};
}

// "Bearer <token>" anywhere, "Basic <base64>" only on a line that talks about authorization
// (the word "Basic" followed by a long word is otherwise ordinary prose). The scheme stays.
std::optional<Span>
match_auth_scheme(std::string_view text, std::size_t at, bool authorization_line)
{
  std::size_t begin = 0;
  std::size_t min_length = 20;
  std::string_view kind = "bearer-token";
  if (istarts_with_at(text, at, "bearer")) {
    begin = at + 6;
  } else if (authorization_line && istarts_with_at(text, at, "basic")) {
    begin = at + 5;
    min_length = 12;
    kind = "basic-auth";
  } else {
    return std::nullopt;
  }
  if (begin >= text.size() || !is_blank(text[begin])) {
    return std::nullopt;
  }
  while (begin < text.size() && is_blank(text[begin])) {
    ++begin;
  }
  const std::size_t end = run_end(text, begin, Chars::header, text.size());
  if (end - begin < min_length || !is_alnum_mixed(text.substr(begin, end - begin))) {
    return std::nullopt;
  }
  return Span{begin, end, kind};
}

} // namespace

bool
is_alnum_mixed(std::string_view text)
{
  return alnum_classes(text) >= 2;
}

void
mask_tokens(std::string_view in, std::string& out, Sink& sink)
{
  std::array<std::size_t, k_token_rules.size()> dead{};
  std::size_t jwt_dead = 0;
  std::optional<bool> authorization_line;
  std::size_t copied = 0;
  std::size_t i = 0;
  while (i < in.size()) {
    if (!k_token_starts[static_cast<unsigned char>(in[i])] || (i > 0 && is_alnum(in[i - 1]))) {
      ++i;
      continue;
    }
    std::optional<Span> span;
    if (in[i] == 'b' || in[i] == 'B') {
      if (!authorization_line) {
        authorization_line = util::icontains(in, "authoriz");
      }
      span = match_auth_scheme(in, i, *authorization_line);
    }
    if (!span && in[i] == 'e') {
      span = match_jwt(in, i, jwt_dead);
    }
    if (!span) {
      span = match_table(in, i, dead);
    }
    if (!span) {
      ++i;
      continue;
    }
    sink.replace(out, in, copied, *span);
    i = span->end;
  }
  out.append(in.substr(copied));
}

} // namespace cmtgen::redact
