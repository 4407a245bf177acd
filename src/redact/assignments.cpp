#include "redact/internal.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace cmtgen::redact {

namespace {

// Not "credentials": it names objects, files and modes (fetch's credentials: 'same-origin')
// far more often than a literal secret.
constexpr std::array<std::string_view, 14> k_secret_words = {
  "password", "passwd",    "pwd",       "pass",       "passphrase", "secret", "token",
  "apikey",   "accesskey", "secretkey", "privatekey", "authkey",    "auth",   "authorization"};

// "<qualifier>_key" is a secret; a bare "key" (a dict key, a sort key, an i18n key) is not.
constexpr std::array<std::string_view, 24> k_key_qualifiers = {
  "api",    "access",  "private",  "secret",  "signing", "encryption", "master",  "auth",
  "client", "session", "hmac",     "app",     "account", "service",    "license", "ssh",
  "gpg",    "pgp",     "consumer", "webhook", "jwt",     "shared",     "storage", "deploy"};

// Dropped from the end of a name before judging it: "password_hash", "token_b64" and
// "secret_key_base" hold the secret; "token_type", "password_length", "secret_name" do not.
constexpr std::array<std::string_view, 14> k_value_suffixes = {
  "value", "val", "str", "string", "b64", "base64", "hex", "raw", "plain", "hash", "enc", "bytes", "base", "data"};

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
  constexpr std::array<std::string_view, 6> k_roots = {"pass", "pwd", "secret", "token", "key", "auth"};
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
  for (const std::string_view s : {"===", "!==", ":=", "=>", "==", "!=", "="}) {
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
    return Value{q + 1, end, std::min(end + 1, in.size()), true, env_line, in_text};
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
  return Value{j, end, end, false, env_line, in_text};
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

} // namespace

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
      sink.replace(out, in, copied, Span{value->begin, value->end, "assignment"});
    }
    i = std::max(i, value->resume);
  }
  out.append(in.substr(copied));
}

} // namespace cmtgen::redact
