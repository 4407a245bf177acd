#include "redact.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

// Four passes run over each line, in this order: private key armour (which also spans lines),
// well-known token formats, passwords in URLs, then "secret-named key = value" assignments.
// Each later pass leaves "[REDACTED:...]" alone, so one secret yields one finding and masking
// masked text changes nothing. Every pass is a single left-to-right scan: no regex, no
// backtracking, linear in the line length.
namespace cmtgen::redact {

namespace {

constexpr std::string_view k_marker_open = "[REDACTED:";
constexpr std::string_view k_begin = "-----BEGIN ";
constexpr std::string_view k_end = "-----END ";

bool
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

bool
is_upper(char c)
{
  return c >= 'A' && c <= 'Z';
}

bool
is_lower(char c)
{
  return c >= 'a' && c <= 'z';
}

bool
is_alpha(char c)
{
  return is_upper(c) || is_lower(c);
}

bool
is_alnum(char c)
{
  return is_alpha(c) || is_digit(c);
}

bool
is_blank(char c)
{
  return c == ' ' || c == '\t';
}

bool
is_space(char c)
{
  return is_blank(c) || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

bool
is_quote(char c)
{
  return c == '"' || c == '\'' || c == '`';
}

bool
is_base64(char c)
{
  return is_alnum(c) || c == '+' || c == '/' || c == '=';
}

char
to_lower(char c)
{
  return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

bool
starts_with_at(std::string_view text, std::size_t at, std::string_view prefix)
{
  return at <= text.size() && text.substr(at).starts_with(prefix);
}

bool
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

std::string
marker(std::string_view kind)
{
  return std::string(k_marker_open) + std::string(kind) + "]";
}

// ---------------------------------------------------------------- well-known token formats

enum class Chars { upper_alnum, alnum, word, token, dotted, lower_hex, header };

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
  TokenRule{ "AKIA", "aws-access-key", Chars::upper_alnum, 16, 16, false },
  TokenRule{ "ASIA", "aws-access-key", Chars::upper_alnum, 16, 16, false },
  TokenRule{ "github_pat_", "github-token", Chars::word, 22, 0, false },
  TokenRule{ "ghp_", "github-token", Chars::alnum, 36, 0, false },
  TokenRule{ "gho_", "github-token", Chars::alnum, 36, 0, false },
  TokenRule{ "ghu_", "github-token", Chars::alnum, 36, 0, false },
  TokenRule{ "ghs_", "github-token", Chars::alnum, 36, 0, false },
  TokenRule{ "ghr_", "github-token", Chars::alnum, 36, 0, false },
  TokenRule{ "glpat-", "gitlab-token", Chars::token, 20, 0, false },
  TokenRule{ "xoxa-", "slack-token", Chars::token, 10, 0, false },
  TokenRule{ "xoxb-", "slack-token", Chars::token, 10, 0, false },
  TokenRule{ "xoxp-", "slack-token", Chars::token, 10, 0, false },
  TokenRule{ "xoxo-", "slack-token", Chars::token, 10, 0, false },
  TokenRule{ "xoxs-", "slack-token", Chars::token, 10, 0, false },
  TokenRule{ "xoxr-", "slack-token", Chars::token, 10, 0, false },
  TokenRule{ "sk_live_", "stripe-key", Chars::alnum, 16, 0, false },
  TokenRule{ "rk_live_", "stripe-key", Chars::alnum, 16, 0, false },
  TokenRule{ "sk_test_", "stripe-key", Chars::alnum, 16, 0, false },
  TokenRule{ "rk_test_", "stripe-key", Chars::alnum, 16, 0, false },
  TokenRule{ "sk-ant-", "anthropic-key", Chars::token, 32, 0, false },
  TokenRule{ "sk-proj-", "openai-key", Chars::token, 32, 0, false },
  TokenRule{ "sk-svcacct-", "openai-key", Chars::token, 32, 0, false },
  TokenRule{ "sk-admin-", "openai-key", Chars::token, 32, 0, false },
  TokenRule{ "sk-", "openai-key", Chars::token, 32, 0, true },
  TokenRule{ "AIza", "google-api-key", Chars::token, 35, 35, false },
  TokenRule{ "npm_", "npm-token", Chars::alnum, 36, 36, false },
  TokenRule{ "SK", "twilio-key", Chars::lower_hex, 32, 32, false },
  TokenRule{ "SG.", "sendgrid-key", Chars::dotted, 60, 0, false },
  TokenRule{ "hf_", "huggingface-token", Chars::alnum, 30, 0, true },
  TokenRule{ "pypi-", "pypi-token", Chars::token, 50, 0, false },
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

// Two of lower, upper, digit: "abcd1234", "dXNlcjpwYXNz".
bool
is_alnum_mixed(std::string_view text)
{
  return alnum_classes(text) >= 2;
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

struct Span
{
  std::size_t begin; // what gets replaced
  std::size_t end;
  std::string_view kind;
};

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
      return Span{ at, end, rule.kind };
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
  return Span{ at, end, "jwt" };
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
  return Span{ begin, end, kind };
}

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
    result.findings.push_back(Finding{ std::string(kind), at_line });
  }
};

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

// ---------------------------------------------------------------- credentials in URLs

// What configuration and templates put where a value is substituted later ($VAR, ${VAR},
// ${{ secrets.X }}, %(pw)s, {{ token }}, <password>, {token}, ****), and our own markers.
bool
is_reference(std::string_view value)
{
  if (value.empty()) {
    return true;
  }
  const char first = value.front();
  const char last = value.back();
  return first == '$' || (first == '%' && value.size() > 1 && (value[1] == '(' || value[1] == 's')) ||
         (first == '<' && last == '>') || (first == '{' && last == '}') || util::contains(value, "{{") ||
         util::contains(value, "{%") || util::contains(value, "<%") || util::contains(value, k_marker_open) ||
         std::all_of(value.begin(), value.end(), [](char c) { return c == '*' || c == 'x' || c == 'X'; });
}

// scheme://user:password@host: only the password goes; user and host tell the model which
// service the change talks to.
void
mask_url_credentials(std::string_view in, std::string& out, Sink& sink)
{
  std::size_t copied = 0;
  std::size_t from = 0;
  while (true) {
    const std::size_t scheme_end = in.find("://", from);
    if (scheme_end == std::string_view::npos) {
      break;
    }
    std::size_t end = scheme_end + 3;
    std::size_t at_sign = std::string_view::npos;
    while (end < in.size() && !is_space(in[end]) &&
           std::string_view("/?#\"'`<>\\").find(in[end]) == std::string_view::npos) {
      if (in[end] == '@') {
        at_sign = end;
      }
      ++end;
    }
    // Resuming after the authority, not after "://", keeps "a://a://a://..." linear.
    from = end;
    if (scheme_end == 0 || !is_alnum(in[scheme_end - 1]) || at_sign == std::string_view::npos) {
      continue;
    }
    const std::size_t colon = in.find(':', scheme_end + 3);
    if (colon >= at_sign || is_reference(in.substr(colon + 1, at_sign - colon - 1))) {
      continue;
    }
    sink.replace(out, in, copied, Span{ colon + 1, at_sign, "url-credentials" });
  }
  out.append(in.substr(copied));
}

// ---------------------------------------------------------------- secret-named assignments

// Not "credentials": it names objects, files and modes (fetch's credentials: 'same-origin')
// far more often than a literal secret.
constexpr std::array<std::string_view, 14> k_secret_words = { "password",   "passwd",       "pwd",        "pass",
                                                              "passphrase", "secret",       "token",      "apikey",
                                                              "accesskey",  "secretkey",    "privatekey", "authkey",
                                                              "auth",       "authorization" };

// "<qualifier>_key" is a secret; a bare "key" (a dict key, a sort key, an i18n key) is not.
constexpr std::array<std::string_view, 24> k_key_qualifiers = {
  "api",    "access",  "private",  "secret",  "signing", "encryption", "master",  "auth",
  "client", "session", "hmac",     "app",     "account", "service",    "license", "ssh",
  "gpg",    "pgp",     "consumer", "webhook", "jwt",     "shared",     "storage", "deploy"
};

// Dropped from the end of a name before judging it: "password_hash", "token_b64" and
// "secret_key_base" hold the secret; "token_type", "password_length", "secret_name" do not.
constexpr std::array<std::string_view, 14> k_value_suffixes = { "value",  "val",   "str",  "string", "b64",
                                                                "base64", "hex",   "raw",  "plain",  "hash",
                                                                "enc",    "bytes", "base", "data" };

template<std::size_t N>
bool
one_of(std::string_view word, const std::array<std::string_view, N>& words)
{
  return std::find(words.begin(), words.end(), word) != words.end();
}

// "DB_PASSWORD", "apiKey", "X-Api-Key", "config.password", "OAuthToken" -> lower-case words,
// trailing digits dropped ("token2").
std::vector<std::string>
name_words(std::string_view name)
{
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '_' || c == '-' || c == '.') {
      words.emplace_back();
      continue;
    }
    const bool hump = i > 0 && is_upper(c) &&
                      (is_lower(name[i - 1]) || is_digit(name[i - 1]) ||
                       (is_upper(name[i - 1]) && i + 1 < name.size() && is_lower(name[i + 1])));
    if (hump) {
      words.emplace_back();
    }
    words.back() += to_lower(c);
  }
  for (auto& word : words) {
    while (!word.empty() && is_digit(word.back())) {
      word.pop_back();
    }
  }
  std::erase_if(words, [](const std::string& word) { return word.empty(); });
  return words;
}

enum class Name { plain, secret, secret_if_env };

Name
classify_name(std::string_view name)
{
  // Most identifiers contain none of these roots; don't split them into words.
  constexpr std::array<std::string_view, 6> k_roots = { "pass", "pwd", "secret", "token", "key", "auth" };
  if (name.size() > 64 ||
      std::none_of(k_roots.begin(), k_roots.end(), [&](std::string_view r) { return util::icontains(name, r); })) {
    return Name::plain;
  }
  auto words = name_words(name);
  if (words.size() > 1 && one_of(words.back(), k_value_suffixes)) {
    words.pop_back();
  }
  if (words.empty()) {
    return Name::plain;
  }
  if (one_of(words.back(), k_secret_words)) {
    return Name::secret;
  }
  if (words.back() != "key" || words.size() < 2) {
    return Name::plain;
  }
  if (one_of(words[words.size() - 2], k_key_qualifiers)) {
    return Name::secret;
  }
  // STRIPE_KEY=... in a .env file is a secret by convention; CACHE_KEY = "..." in code is not.
  return std::any_of(name.begin(), name.end(), is_lower) ? Name::plain : Name::secret_if_env;
}

bool
contains_any(std::string_view lowered, std::initializer_list<std::string_view> needles)
{
  return std::any_of(needles.begin(), needles.end(), [&](std::string_view n) { return util::contains(lowered, n); });
}

// Documentation and templates fill secret slots with these; masking them would hide what
// the change means and protect nothing.
bool
is_placeholder(std::string_view value)
{
  if (is_reference(value)) {
    return true;
  }
  const std::string lowered = util::to_lower(value);
  if (std::all_of(value.begin(), value.end(), [&](char c) { return c == value.front(); }) ||
      lowered.starts_with("xxx") || lowered.starts_with("***") || lowered.starts_with("...")) {
    return true;
  }
  constexpr std::array<std::string_view, 12> k_words = { "null",  "none",      "nil",      "true",
                                                         "false", "undefined", "password", "secret",
                                                         "token", "required",  "optional", "default" };
  // "myregistrytoken", "SuperSecretToken", "my-password": the slot's own name as its value.
  const bool letters_only =
    std::all_of(value.begin(), value.end(), [](char c) { return is_alpha(c) || c == '-' || c == '_'; });
  if (letters_only && contains_any(lowered, { "token", "passw", "secret", "apikey", "api_key", "api-key" })) {
    return true;
  }
  return one_of(lowered, k_words) ||
         contains_any(lowered,
                      { "changeme",   "change_me", "change-me",   "changeit",   "your",     "example",    "placeholder",
                        "dummy",      "sample",    "replaceme",   "replace_me", "fixme",    "_here",      "-here",
                        "os.environ", "getenv",    "process.env", "env[",       "secrets.", "-----begin " });
}

bool
is_path(std::string_view value)
{
  constexpr std::array<std::string_view, 14> k_extensions = {
    ".pem", ".key", ".p12", ".pfx", ".crt", ".cer", ".der", ".json", ".txt", ".yaml", ".yml", ".jks", ".gpg", ".ppk"
  };
  return value.starts_with("/") || value.starts_with("./") || value.starts_with("../") || value.starts_with("~/") ||
         std::any_of(k_extensions.begin(), k_extensions.end(), [&](std::string_view e) { return value.ends_with(e); });
}

// GITHUB_TOKEN as a value says where the secret lives ("token_env: GITHUB_TOKEN").
bool
is_variable_name(std::string_view value)
{
  return is_upper(value.front()) && util::contains(value, "_") &&
         std::all_of(value.begin(), value.end(), [](char c) { return is_upper(c) || is_digit(c) || c == '_'; });
}

double
shannon_bits_per_char(std::string_view text)
{
  std::array<std::size_t, 256> counts{};
  for (const char c : text) {
    ++counts[static_cast<unsigned char>(c)];
  }
  double bits = 0;
  const auto size = static_cast<double>(text.size());
  for (const std::size_t count : counts) {
    if (count > 0) {
      const double p = static_cast<double>(count) / size;
      bits -= p * std::log2(p);
    }
  }
  return bits;
}

// Two character classes with some spread ("hunter2hunter2", "Xk9#mQ2$vL"), or one class and
// 12+ characters ("correcthorsebatterystaple"). Rejects "aaaa1111", "required", "kerberos":
// the config words that fill auth slots are short.
bool
looks_random(std::string_view value)
{
  const auto has = [&](auto test) { return std::any_of(value.begin(), value.end(), test) ? 1 : 0; };
  const int classes = has(is_lower) + has(is_upper) + has(is_digit) + has([](char c) { return !is_alnum(c); });
  const double bits = shannon_bits_per_char(value);
  return bits >= 2.5 && (classes >= 2 || value.size() >= 12);
}

// config.password, self._token, Settings::TOKEN, obj->secret: a reference to a value elsewhere.
bool
is_member_chain(std::string_view value)
{
  std::size_t segments = 0;
  bool at_start = true;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const std::size_t separator = c == '.'                                                           ? 1
                                  : starts_with_at(value, i, "::") || starts_with_at(value, i, "->") ? 2
                                                                                                     : 0;
    if (separator > 0) {
      if (at_start) {
        return false;
      }
      i += separator - 1;
      at_start = true;
    } else if (is_alpha(c) || c == '_' || c == '$' || (!at_start && is_digit(c))) {
      segments += at_start ? 1 : 0;
      at_start = false;
    } else {
      return false;
    }
  }
  return !at_start && segments > 1;
}

struct Value
{
  std::size_t begin; // of the value text, inside any quotes
  std::size_t end;
  std::size_t resume; // where the scan continues
  bool quoted;
  bool env_line; // NAME=value with only "export"/"ENV"/indentation before it
  bool in_text;  // the name sits inside a string or a URL query
};

bool
is_env_prefix(std::string_view head)
{
  // The diff's own column comes first.
  if (!head.empty() && (head.front() == '+' || head.front() == '-' || head.front() == ' ')) {
    head.remove_prefix(1);
  }
  head = util::trim(head);
  return head.empty() || head == "export" || head == "ENV" || head == "ARG" || head == "-";
}

// The value assigned to in[name_begin, name_end), if a separator follows the name.
// `before` is the character before the name and any dashes of a "--flag".
std::optional<Value>
find_value(std::string_view in, std::size_t name_begin, std::size_t name_end, char before, bool is_flag, bool code_file)
{
  std::size_t j = name_end;
  const bool quoted_name = is_quote(before) && j < in.size() && in[j] == before;
  if (quoted_name) {
    ++j;
  }
  if (j < in.size() && in[j] == ']') {
    ++j; // config["token"] = ...
  }
  const std::size_t name_stop = j;
  while (j < in.size() && is_blank(in[j])) {
    ++j;
  }
  std::size_t separator = 0;
  for (const std::string_view s : { "===", "!==", ":=", "=>", "==", "!=", "=" }) {
    if (starts_with_at(in, j, s)) {
      separator = s.size();
      break;
    }
  }
  const bool colon = separator == 0 && j < in.size() && in[j] == ':' && !starts_with_at(in, j, "::");
  const bool element = separator == 0 && before == '<' && j == name_end && j < in.size() && in[j] == '>';
  if (colon || element) {
    separator = 1; // "password: ...", "<password>...</password>"
  }
  const bool flag = separator == 0 && is_flag && j == name_end + 1 && j < in.size() && in[j] != '-';
  if (separator == 0 && !flag) { // "--password hunter2" has a blank for separator
    return std::nullopt;
  }
  const bool env_line = !code_file && separator == 1 && !colon && j == name_stop && !quoted_name && j + 1 < in.size() &&
                        !is_blank(in[j + 1]) && is_env_prefix(in.substr(0, name_begin));
  j += separator;
  while (j < in.size() && is_blank(in[j])) {
    ++j;
  }
  if (colon) {
    // "password: str = ..." (Python, TypeScript): the annotation is not the value.
    std::size_t k = j;
    while (k < in.size() && k < j + 64 &&
           (is_alnum(in[k]) || std::string_view("_.[]|,? <>&:").find(in[k]) != std::string_view::npos)) {
      ++k;
    }
    // The blank before '=' tells "str = " from base64 padding ("LS0tLQo=").
    if (k > j && is_blank(in[k - 1]) && starts_with_at(in, k, "=") && !starts_with_at(in, k, "==") &&
        !starts_with_at(in, k, "=>")) {
      j = k + 1;
      while (j < in.size() && is_blank(in[j])) {
        ++j;
      }
    }
  }
  const bool in_text = before == '?' || before == '&' || before == ';' || element || (is_quote(before) && !quoted_name);
  std::size_t q = j;
  while (q < in.size() && q < j + 2 && std::string_view("bBrRuUfF").find(in[q]) != std::string_view::npos) {
    ++q; // b"...", r'...', f"..."
  }
  if (q < in.size() && is_quote(in[q])) {
    if (is_quote(before) && !quoted_name && in[q] == before) {
      return std::nullopt; // 'Password: ' + x: the quote closes the string the name is in
    }
    std::size_t end = q + 1;
    while (end < in.size() && in[end] != in[q]) {
      end += in[end] == '\\' ? 2U : 1U;
    }
    end = std::min(end, in.size());
    return Value{ q + 1, end, std::min(end + 1, in.size()), true, env_line, in_text };
  }
  // Unquoted: shell and .env take the whole word; elsewhere code and query punctuation ends it.
  std::size_t end = j;
  while (end < in.size() && !is_space(in[end]) &&
         (env_line || std::string_view(",;&\"'`)}]<>").find(in[end]) == std::string_view::npos)) {
    ++end;
  }
  if (element && !starts_with_at(in, end, "</")) {
    return std::nullopt; // "<password>" as a placeholder, not an element
  }
  return Value{ j, end, end, false, env_line, in_text };
}

bool
is_secret_value(std::string_view text, const Value& value, bool code_file)
{
  if (text.size() < 8 || is_placeholder(text) || text.find_first_of(" \t") != std::string_view::npos || is_path(text) ||
      util::contains(text, "://") || is_variable_name(text)) {
    return false;
  }
  // Numbers and versions ("12.7233", "10.0.0.1"), and kebab/snake word lists ("same-origin",
  // "auth-and-writes", "use_ssl_only"): enum values and names, not secrets.
  if (std::all_of(text.begin(), text.end(), [](char c) { return is_digit(c) || c == '.'; }) ||
      (text.find_first_of("-_") != std::string_view::npos &&
       std::all_of(text.begin(), text.end(), [](char c) { return is_lower(c) || c == '-' || c == '_'; }))) {
    return false;
  }
  if (!value.quoted) {
    // Unquoted in code is an expression (a variable, a call, a member); in config files, shell,
    // query strings and prose it is the text itself, except for calls, indexing and members.
    const std::string_view bare = text.substr(0, text.find_last_not_of(",;)") + 1);
    if ((code_file && !value.in_text) || bare.find_first_of("([{^") != std::string_view::npos ||
        is_member_chain(bare)) {
      return false;
    }
    // A bare word ("userPassword", "db_password") is still more likely a name than a secret,
    // unless the line is NAME=word, which shell and .env read as the string itself.
    if (!value.env_line && std::all_of(bare.begin(), bare.end(), [](char c) { return is_alpha(c) || c == '_'; })) {
      return false;
    }
  }
  return looks_random(text);
}

bool
is_name_char(char c)
{
  return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

void
mask_assignments(std::string_view in, std::string& out, Sink& sink, bool code_file)
{
  std::size_t copied = 0;
  std::size_t i = 0;
  while (i < in.size()) {
    if (starts_with_at(in, i, k_marker_open)) {
      const std::size_t close = in.find(']', i);
      i = close == std::string_view::npos ? in.size() : close + 1;
      continue;
    }
    if (!is_name_char(in[i])) {
      ++i;
      continue;
    }
    const char before = i > 0 ? in[i - 1] : '\0';
    std::size_t begin = i;
    while (i < in.size() && is_name_char(in[i])) {
      ++i;
    }
    std::size_t dashes = 0;
    while (begin < i && (in[begin] == '-' || in[begin] == '.')) {
      dashes += in[begin] == '-' ? 1U : 0U;
      ++begin;
    }
    const std::size_t end = i;
    if (begin == end || in[end - 1] == '-' || in[end - 1] == '.') {
      continue;
    }
    const Name name = classify_name(in.substr(begin, end - begin));
    if (name == Name::plain) {
      continue;
    }
    const auto value = find_value(in, begin, end, before, dashes >= 2, code_file);
    if (!value) {
      continue;
    }
    const std::string_view text = in.substr(value->begin, value->end - value->begin);
    // A name that is a secret only by the .env convention ("SORT_KEY") needs a value that
    // mixes letters and digits as well.
    const bool strong_enough = name == Name::secret || (value->env_line && is_alnum_mixed(text));
    if (strong_enough && is_secret_value(text, *value, code_file)) {
      sink.replace(out, in, copied, Span{ value->begin, value->end, "assignment" });
    }
    i = std::max(i, value->resume);
  }
  out.append(in.substr(copied));
}

// ---------------------------------------------------------------- private keys and the driver

// "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PGP PRIVATE KEY BLOCK", "ENCRYPTED PRIVATE KEY"...
// but not "CERTIFICATE" or "PUBLIC KEY", which are meant to be shared.
bool
is_private_label(std::string_view label)
{
  return label.size() <= 40 && util::contains(label, "PRIVATE KEY") &&
         std::all_of(label.begin(), label.end(), [](char c) { return is_upper(c) || is_digit(c) || c == ' '; });
}

bool
has_key_material(std::string_view text)
{
  return std::count_if(text.begin(), text.end(), is_base64) >= 16;
}

bool
is_key_end_line(std::string_view line)
{
  const std::size_t end = line.find(k_end);
  return end != std::string_view::npos && util::contains(line.substr(end), "PRIVATE KEY");
}

// How much a diff line looks like PEM body: a full line is 40+ base64 characters and
// nothing else (it starts a run); a short one (the last line of a block) only continues one.
enum class Pem { no, short_line, full_line };

Pem
pem_body(std::string_view line)
{
  const std::string_view content = util::trim(line.substr(line.empty() ? 0 : 1));
  if (content.empty() || !std::all_of(content.begin(), content.end(), is_base64)) {
    return Pem::no;
  }
  return content.size() >= 40 ? Pem::full_line : Pem::short_line;
}

// Source files, where an unquoted value is an expression; everything else (config, shell,
// docs, unknown) reads it as literal text.
bool
is_code_path(std::string_view path)
{
  constexpr std::array<std::string_view, 36> k_code = { "c",      "cc",  "cpp", "cxx",   "h",    "hh",  "hpp", "hxx",
                                                        "m",      "mm",  "py",  "pyi",   "js",   "mjs", "cjs", "jsx",
                                                        "ts",     "tsx", "go",  "rs",    "java", "kt",  "kts", "scala",
                                                        "rb",     "php", "cs",  "swift", "dart", "lua", "vue", "svelte",
                                                        "groovy", "sql", "pas", "pp" };
  const std::size_t slash = path.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = base.rfind('.');
  return dot != std::string_view::npos && dot > 0 && one_of(util::to_lower(base.substr(dot + 1)), k_code);
}

class Masker
{
public:
  explicit Masker(Result& result)
    : m_sink{ result }
  {
  }

  void feed(std::string_view line, std::string& out)
  {
    ++m_sink.line;
    const bool after_minus_header = m_previous_was_minus_header;
    m_previous_was_minus_header = line.starts_with("--- ");
    if (line.starts_with("diff --git ")) {
      const std::size_t b = line.rfind(" b/");
      m_code_file = b != std::string_view::npos && is_code_path(line.substr(b + 3));
      m_in_key = false;
      m_pem_run = std::string_view::npos;
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
    if (m_in_key) {
      if (!is_key_end_line(line)) {
        if (line.starts_with("@@") || line.starts_with("\\")) {
          out += line; // hunk headers and "\ No newline" are diff structure, not key body
        } else {
          mask_key_body(line, out, m_key_line);
        }
        return;
      }
      m_in_key = false;
    } else if (is_key_end_line(line) && m_pem_run != std::string_view::npos) {
      // The hunk began inside a key whose BEGIN line git did not show: mask the body lines
      // already written.
      const std::string body = out.substr(m_pem_run);
      out.resize(m_pem_run);
      m_key_reported = false;
      for (const auto body_line : util::split_lines(body)) {
        mask_key_body(body_line, out, m_pem_run_line);
        out += '\n';
      }
    }
    const std::size_t written = out.size();
    process(line, out);
    const Pem pem = pem_body(line);
    if (pem == Pem::full_line || (pem == Pem::short_line && m_pem_run != std::string_view::npos)) {
      if (m_pem_run == std::string_view::npos) {
        m_pem_run = written;
        m_pem_run_line = m_sink.line;
      }
    } else {
      m_pem_run = std::string_view::npos;
    }
  }

private:
  static bool is_index_header(std::string_view line)
  {
    return line.starts_with("index ") && line.size() > 6 && in_chars(Chars::lower_hex, line[6]) &&
           util::contains(line, "..");
  }

  // Keeps the diff column and indentation, so the model sees how many lines the key spans.
  void mask_key_body(std::string_view line, std::string& out, std::size_t finding_line)
  {
    std::size_t begin = !line.empty() && (line[0] == '+' || line[0] == '-' || line[0] == ' ') ? 1 : 0;
    while (begin < line.size() && is_blank(line[begin])) {
      ++begin;
    }
    std::size_t end = line.size();
    if (end > begin && line[end - 1] == '\r') {
      --end;
    }
    const std::string_view content = line.substr(begin, end - begin);
    const std::string masked = marker("private-key");
    if (content.empty() || content == masked) {
      out += line;
      return;
    }
    out.append(line.substr(0, begin));
    out += masked;
    out.append(line.substr(end));
    if (!m_key_reported) {
      m_key_reported = true;
      m_sink.found("private-key", finding_line);
    }
  }

  // A BEGIN line: a whole key on one line ("-----BEGIN ...-----\nMIIE...\n-----END ...", as in
  // a JSON service account file) is masked between the armour lines; otherwise the block
  // continues on the following lines.
  void mask_key_armour(std::string_view in, std::string& out)
  {
    std::size_t copied = 0;
    std::size_t from = 0;
    while (true) {
      const std::size_t begin = in.find(k_begin, from);
      const std::size_t label_end = begin == std::string_view::npos ? begin : in.find("-----", begin + k_begin.size());
      if (label_end == std::string_view::npos) {
        break;
      }
      from = label_end + 5;
      if (!is_private_label(in.substr(begin + k_begin.size(), label_end - begin - k_begin.size()))) {
        continue;
      }
      const std::size_t end = in.find(k_end, from);
      const std::size_t stop = end == std::string_view::npos ? in.size() : end;
      const std::string_view body = in.substr(from, stop - from);
      if (has_key_material(body) && !util::contains(body, k_marker_open)) {
        m_sink.replace(out, in, copied, Span{ from, stop, "private-key" });
      }
      if (end == std::string_view::npos) {
        m_in_key = true;
        m_key_line = m_sink.line;
        m_key_reported = has_key_material(body);
        break;
      }
      from = end + k_end.size();
    }
    out.append(in.substr(copied));
  }

  void process(std::string_view line, std::string& out)
  {
    m_a.clear();
    mask_key_armour(line, m_a);
    m_b.clear();
    mask_tokens(m_a, m_b, m_sink);
    m_a.clear();
    mask_url_credentials(m_b, m_a, m_sink);
    mask_assignments(m_a, out, m_sink, m_code_file);
  }

  Sink m_sink;
  std::string m_a;
  std::string m_b;
  bool m_code_file = false;
  bool m_previous_was_minus_header = false;
  bool m_in_key = false;
  std::size_t m_key_line = 0;
  bool m_key_reported = false;
  std::size_t m_pem_run = std::string_view::npos; // output offset of a run of PEM-body-like lines
  std::size_t m_pem_run_line = 0;
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
