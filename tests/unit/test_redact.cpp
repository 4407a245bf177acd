#include "redact/redact.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using cmtgen::redact::mask;

namespace {

// Fake secrets are assembled at run time: a contiguous token in this file would trip secret
// scanners (GitHub push protection, gitleaks) on the repository itself.
std::string
body(std::size_t n, std::string_view alphabet = "Zx9Kq2LmP0wR7tY5bN3vC8jH4gF6dS1a")
{
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    text += alphabet[(i * 7 + i / alphabet.size()) % alphabet.size()];
  }
  return text;
}

std::string
join(std::string_view a, std::string_view b)
{
  return std::string(a) + std::string(b);
}

const std::string k_begin_rsa = join("-----BEGIN RSA ", "PRIVATE KEY-----");
const std::string k_end_rsa = join("-----END RSA ", "PRIVATE KEY-----");
const std::string k_pem_line = body(64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

std::string
text_of(std::string_view input)
{
  return mask(input).text;
}

std::vector<std::pair<std::string, std::size_t>>
findings_of(std::string_view input)
{
  std::vector<std::pair<std::string, std::size_t>> result;
  for (const auto& finding : mask(input).findings) {
    result.emplace_back(finding.kind, finding.line);
  }
  return result;
}

std::size_t
count_lines(std::string_view text)
{
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

TEST_CASE("text without secrets comes back byte for byte with no findings")
{
  const std::string diff =
    "diff --git a/src/main.cpp b/src/main.cpp\n"
    "index 3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c..9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f 100644\n"
    "--- a/src/main.cpp\n"
    "+++ b/src/main.cpp\n"
    "@@ -1,4 +1,5 @@ int main()\n"
    " #include <string>\n"
    "-  auto password = read_password(stdin);\n"
    "+  const auto password = prompt_for_password();\n"
    "+  // The token is rotated every 90 days; see docs/auth.md.\n"
    "+  max_tokens = 4096; token_type = \"Bearer\"; secret_name = \"prod-db\";\n"
    "+  id = \"550e8400-e29b-41d4-a716-446655440000\";\n"
    "\\ No newline at end of file\n";
  const auto result = mask(diff);
  CHECK(result.text == diff);
  CHECK(result.findings.empty());
}

TEST_CASE("git object ids and lock file hashes are left alone")
{
  // Public digests of public content: masking them would protect nothing.
  const std::string lock = "index " + body(40, "0123456789abcdef") + ".." + body(40, "fedcba9876543210") +
                           "\n"
                           "+    \"integrity\": \"sha512-" +
                           body(86, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") +
                           "==\",\n"
                           "+checksum = \"" +
                           body(64, "0123456789abcdef") +
                           "\"\n"
                           "+  resolved \"https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#" +
                           body(40, "0123456789abcdef") + "\"\n";
  CHECK(text_of(lock) == lock);
}

TEST_CASE("a private key block keeps its armour lines and masks every body line")
{
  const std::string diff = "diff --git a/deploy/id_rsa b/deploy/id_rsa\n"
                           "--- /dev/null\n"
                           "+++ b/deploy/id_rsa\n"
                           "@@ -0,0 +1,5 @@\n"
                           "+" +
                           k_begin_rsa +
                           "\n"
                           "+" +
                           k_pem_line +
                           "\n"
                           "+" +
                           k_pem_line.substr(0, 40) +
                           "\n"
                           "+\n"
                           "+" +
                           k_end_rsa + "\n";
  const auto result = mask(diff);
  CHECK(result.text == "diff --git a/deploy/id_rsa b/deploy/id_rsa\n"
                       "--- /dev/null\n"
                       "+++ b/deploy/id_rsa\n"
                       "@@ -0,0 +1,5 @@\n"
                       "+" +
                         k_begin_rsa +
                         "\n"
                         "+[REDACTED:private-key]\n"
                         "+[REDACTED:private-key]\n"
                         "+\n"
                         "+" +
                         k_end_rsa + "\n");
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].kind == "private-key");
  CHECK(result.findings[0].line == 5); // the BEGIN line
}

TEST_CASE("every kind of private key armour is recognised")
{
  for (const std::string_view label : {"RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY",
                                       "ENCRYPTED PRIVATE KEY", "PRIVATE KEY", "PGP PRIVATE KEY BLOCK"}) {
    CAPTURE(label);
    const std::string block =
      "-----BEGIN " + std::string(label) + "-----\n" + k_pem_line + "\n-----END " + std::string(label) + "-----\n";
    CHECK(text_of(block) == "-----BEGIN " + std::string(label) + "-----\n[REDACTED:private-key]\n-----END " +
                              std::string(label) + "-----\n");
  }
}

TEST_CASE("certificates and public keys are not masked")
{
  for (const std::string_view label : {"CERTIFICATE", "PUBLIC KEY", "RSA PUBLIC KEY", "PGP PUBLIC KEY BLOCK"}) {
    CAPTURE(label);
    const std::string block =
      "+-----BEGIN " + std::string(label) + "-----\n+" + k_pem_line + "\n+-----END " + std::string(label) + "-----\n";
    CHECK(text_of(block) == block);
  }
}

TEST_CASE("key body lines keep the diff column and indentation of removed, added and context lines")
{
  const std::string diff = "  private_key: |\n"
                           "     " +
                           k_begin_rsa +
                           "\n"
                           "-    " +
                           k_pem_line +
                           "\n"
                           "+    " +
                           k_pem_line +
                           "\r\n"
                           "     " +
                           k_end_rsa + "\n";
  CHECK(text_of(diff) == "  private_key: |\n"
                         "     " +
                           k_begin_rsa +
                           "\n"
                           "-    [REDACTED:private-key]\n"
                           "+    [REDACTED:private-key]\r\n"
                           "     " +
                           k_end_rsa + "\n");
}

TEST_CASE("a private key written on one line with escaped newlines is masked between its armour")
{
  const std::string json = "+  \"private_key_id\": \"" + body(40, "0123456789abcdef") +
                           "\",\n"
                           "+  \"private_key\": \"-----BEGIN "
                           "PRIVATE KEY-----\\n" +
                           k_pem_line + "\\n" + k_pem_line + "\\n-----END PRIVATE KEY-----\\n\",\n";
  const auto result = mask(json);
  CHECK(result.text == "+  \"private_key_id\": \"" + body(40, "0123456789abcdef") +
                         "\",\n"
                         "+  \"private_key\": \"-----BEGIN "
                         "PRIVATE KEY-----[REDACTED:private-key]"
                         "-----END PRIVATE KEY-----\\n\",\n");
  CHECK(findings_of(json) == std::vector<std::pair<std::string, std::size_t>>{{"private-key", 2}});
}

TEST_CASE("hunk headers inside a key block are kept and the block stays masked across hunks")
{
  const std::string diff =
    "+" + k_begin_rsa + "\n+" + k_pem_line + "\n@@ -40,3 +40,3 @@\n " + k_pem_line + "\n+" + k_end_rsa + "\n";
  CHECK(text_of(diff) == "+" + k_begin_rsa +
                           "\n+[REDACTED:private-key]\n@@ -40,3 +40,3 @@\n [REDACTED:private-key]\n+" + k_end_rsa +
                           "\n");
}

TEST_CASE("a hunk that starts inside a private key is masked back to the hunk header")
{
  const std::string diff =
    "@@ -10,4 +10,4 @@\n " + k_pem_line + "\n-" + k_pem_line + "\n+" + k_pem_line + "\n " + k_end_rsa + "\n";
  const auto result = mask(diff);
  CHECK(result.text ==
        "@@ -10,4 +10,4 @@\n [REDACTED:private-key]\n-[REDACTED:private-key]\n+[REDACTED:private-key]\n " + k_end_rsa +
          "\n");
  CHECK(findings_of(diff) == std::vector<std::pair<std::string, std::size_t>>{{"private-key", 2}});
}

TEST_CASE("the short last line of a key body does not end the run that is masked back")
{
  const std::string diff = "@@ -20,3 +20,3 @@\n " + k_pem_line + "\n-" + k_pem_line.substr(0, 12) + "==\n+" +
                           k_pem_line.substr(3, 20) + "\n " + k_end_rsa + "\n";
  CHECK(text_of(diff) ==
        "@@ -20,3 +20,3 @@\n [REDACTED:private-key]\n-[REDACTED:private-key]\n+[REDACTED:private-key]\n " + k_end_rsa +
          "\n");
}

TEST_CASE("an unterminated private key is masked until the next file of the diff")
{
  const std::string diff = "+" + k_begin_rsa + "\n+" + k_pem_line + "\n+" + k_pem_line +
                           "\n"
                           "diff --git a/README.md b/README.md\n+" +
                           k_pem_line + "\n";
  CHECK(text_of(diff) == "+" + k_begin_rsa +
                           "\n+[REDACTED:private-key]\n+[REDACTED:private-key]\n"
                           "diff --git a/README.md b/README.md\n+" +
                           k_pem_line + "\n");
  const std::string truncated = "+" + k_begin_rsa + "\n+" + k_pem_line;
  CHECK(text_of(truncated) == "+" + k_begin_rsa + "\n+[REDACTED:private-key]");
}

TEST_CASE("well-known token formats are masked whole and named by kind")
{
  const std::vector<std::pair<std::string, std::string>> cases = {
    {join("AKI", "A") + body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), "aws-access-key"},
    {join("ASI", "A") + body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), "aws-access-key"},
    {join("gh", "p_") + body(36), "github-token"},
    {join("gh", "o_") + body(36), "github-token"},
    {join("gh", "u_") + body(36), "github-token"},
    {join("gh", "s_") + body(36), "github-token"},
    {join("gh", "r_") + body(36), "github-token"},
    {join("github_", "pat_") + body(22) + "_" + body(59), "github-token"},
    {join("glp", "at-") + body(20), "gitlab-token"},
    {join("xo", "xb-") + "1234567890-1234567890123-" + body(24), "slack-token"},
    {join("xo", "xp-") + "1234567890-" + body(30), "slack-token"},
    {join("sk_", "live_") + body(24), "stripe-key"},
    {join("rk_", "live_") + body(24), "stripe-key"},
    {join("sk-", "ant-api03-") + body(80) + "-" + body(10), "anthropic-key"},
    {join("sk-", "proj-") + body(60) + "_" + body(60), "openai-key"},
    {join("s", "k-") + body(48), "openai-key"},
    {join("AI", "za") + body(35, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), "google-api-key"},
    {join("np", "m_") + body(36), "npm-token"},
    {join("S", "K") + body(32, "0123456789abcdef"), "twilio-key"},
    {join("S", "G.") + body(22) + "." + body(43), "sendgrid-key"},
    {join("h", "f_") + body(34), "huggingface-token"},
    {join("pyp", "i-") + body(70), "pypi-token"},
    {join("ey", "JhbGciOiJIUzI1NiJ9") + ".ey" + "JzdWIiOiIxMjM0NTY3ODkwIn0." + body(43), "jwt"},
  };
  for (const auto& [token, kind] : cases) {
    CAPTURE(token);
    CHECK(text_of("+value: " + token + "\n") == "+value: [REDACTED:" + kind + "]\n");
    CHECK(text_of("x=(" + token + ")") == "x=([REDACTED:" + kind + "])");
    CHECK(findings_of(" \"" + token + "\"") == std::vector<std::pair<std::string, std::size_t>>{{kind, 1}});
  }
}

TEST_CASE("token prefixes without a token of the right shape are not masked")
{
  const std::vector<std::string> near_misses = {
    join("AKI", "A") + body(15, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),        // one short
    join("AKI", "A") + body(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),        // one long: another identifier
    "X" + join("AKI", "A") + body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),  // inside a longer word
    join("AKI", "A") + body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + "x",  // runs into a lower-case word
    join("gh", "p_") + body(20),                                      // too short
    join("s", "k-") + "some-long-kebab-case-class-name-for-a-widget", // no digits, no capitals
    join("pk_", "live_") + body(24),                                  // publishable, not secret
    join("S", "K") + body(32, "0123456789ABCDEF"),                    // upper-case hex: not Twilio
    join("ey", "JhbGciOiJIUzI1NiJ9"),                                 // a JWT header alone
    join("AI", "za") + body(20),
  };
  for (const auto& text : near_misses) {
    CAPTURE(text);
    CHECK(text_of("+ " + text + "\n") == "+ " + text + "\n");
  }
}

TEST_CASE("a bearer token is masked and the scheme is kept")
{
  const std::string token = body(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
  CHECK(text_of("+-H \"Authorization: Bearer " + token + "\"") ==
        "+-H \"Authorization: Bearer [REDACTED:bearer-token]\"");
  CHECK(text_of("+headers['auth'] = 'bearer   " + token + "'") ==
        "+headers['auth'] = 'bearer   [REDACTED:bearer-token]'");
  CHECK(text_of("+Authorization: Basic " + body(24) + "==") == "+Authorization: Basic [REDACTED:basic-auth]");
}

TEST_CASE("bearer and basic in prose, placeholders and short values are not masked")
{
  for (const std::string& text : std::vector<std::string>{
         "Bearer tokens expire after an hour and must be refreshed", "Authorization: Bearer ${API_TOKEN}",
         "Authorization: Bearer <token>", "Authorization: Bearer abc123", "f\"Bearer {token}\"",
         "Basic Authentication is supported", "A Basic " + body(24) + " phrase"}) {
    CAPTURE(text);
    CHECK(text_of(text) == text);
  }
}

TEST_CASE("only the password of a URL with credentials is masked")
{
  CHECK(text_of("+DATABASE_URL=postgres://admin:" + body(12) + "@db.internal:5432/app") ==
        "+DATABASE_URL=postgres://admin:[REDACTED:url-credentials]@db.internal:5432/app");
  CHECK(text_of("redis://:" + body(10) + "@cache:6379/0") == "redis://:[REDACTED:url-credentials]@cache:6379/0");
  CHECK(text_of("[\"http://u1:a1@a.com\", \"https://u2:b2@b.com/x\"]") ==
        "[\"http://u1:[REDACTED:url-credentials]@a.com\", \"https://u2:[REDACTED:url-credentials]@b.com/x\"]");
}

TEST_CASE("URLs without a literal password are not masked")
{
  for (const std::string_view text :
       {"https://example.com:8443/path?q=1", "ssh://git@github.com/org/repo.git", "git@github.com:org/repo.git",
        "https://user@host/x", "postgres://app:${DB_PASSWORD}@db/app", "amqp://guest:<password>@rabbit/",
        "https://user:@host/", "mailto:someone@example.com", "http://host/a:b@c", "://nothing:here@x"}) {
    CAPTURE(text);
    CHECK(text_of(text) == text);
  }
}

TEST_CASE("secret-named assignments are masked in every common syntax")
{
  const std::string secret = body(16);
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"+DB_PASSWORD=@", "+DB_PASSWORD=#"},                                   // .env
    {"+export API_TOKEN=\"@\"", "+export API_TOKEN=\"#\""},                 // shell
    {"+ENV GITHUB_TOKEN=@", "+ENV GITHUB_TOKEN=#"},                         // Dockerfile
    {"+      - POSTGRES_PASSWORD=@", "+      - POSTGRES_PASSWORD=#"},       // compose list
    {"+  password: @", "+  password: #"},                                   // YAML
    {"+  client_secret: '@'  # prod", "+  client_secret: '#'  # prod"},     // YAML, quoted
    {"+  \"apiKey\": \"@\",", "+  \"apiKey\": \"#\","},                     // JSON
    {"+api_key = \"@\"", "+api_key = \"#\""},                               // TOML, Python
    {"+password: str = \"@\"", "+password: str = \"#\""},                   // annotated Python
    {"+const authToken: string = '@';", "+const authToken: string = '#';"}, // TypeScript
    {"+password := \"@\"", "+password := \"#\""},                           // Go
    {"+'secret' => '@',", "+'secret' => '#',"},                             // PHP
    {"+os.environ[\"ACCESS_KEY\"] = \"@\"", "+os.environ[\"ACCESS_KEY\"] = \"#\""},
    {"+connect(passwd=b\"@\")", "+connect(passwd=b\"#\")"},             // keyword argument
    {"+if (token === \"@\") {", "+if (token === \"#\") {"},             // hard-coded comparison
    {"+spring.datasource.password=@", "+spring.datasource.password=#"}, // .properties
    {"+x-api-key: @", "+x-api-key: #"},                                 // HTTP header
    {"+<password>@</password>", "+<password>#</password>"},             // XML
    {"+run --password @ --verbose", "+run --password # --verbose"},     // CLI flag
    {"+run --auth-token=@", "+run --auth-token=#"},
    {"+url = \"https://api.x.io/v1?api_key=@&format=json\"", "+url = \"https://api.x.io/v1?api_key=#&format=json\""},
    {"+conn = \"Server=db;User Id=sa;Password=@;\"", "+conn = \"Server=db;User Id=sa;Password=#;\""},
    {"+//registry.npmjs.org/:_authToken=@", "+//registry.npmjs.org/:_authToken=#"},
    {"+    client-key-data: @==", "+    client-key-data: #"}, // kubeconfig
    {"+SECRET_KEY_BASE=@", "+SECRET_KEY_BASE=#"},
    {"+STRIPE_KEY=@", "+STRIPE_KEY=#"}, // .env "_KEY" convention
  };
  for (auto [input, expected] : cases) {
    input.replace(input.find('@'), 1, secret);
    expected.replace(expected.find('#'), 1, "[REDACTED:assignment]");
    CAPTURE(input);
    CHECK(text_of(input) == expected);
  }
}

TEST_CASE("references, placeholders and non-secrets under secret names are not masked")
{
  for (const std::string_view text : {
         "password = get_password()",
         "password = config.password",
         "self.token = self._session.token",
         "token = Settings::TOKEN",
         "token = user_token",
         "password: userPassword,",
         "password = os.environ[\"DB_PASSWORD\"]",
         "apiKey: process.env.API_KEY,",
         "DB_PASSWORD=${DB_PASSWORD}",
         "DB_PASSWORD=$DB_PASSWORD",
         "password: ${{ secrets.DB_PASSWORD }}",
         "password = \"%(db_password)s\"",
         "token: \"{{ vault_token }}\"",
         "api_key: <your-api-key>",
         "api_key = \"your_api_key_here\"",
         "SECRET_KEY=changeme",
         "password = \"xxxxxxxxxxxx\"",
         "password = \"********\"",
         "token = \"YOUR_TOKEN\"",
         "password = \"\"",
         "password = None",
         "auth: false",
         "password = null;",
         "token = \"short\"",
         "auth: kerberos",
         "password: \"required\"",
         "password = \"aaaa1111\"",
         "The password: must be at least 8 characters long",
         "token: the one from your dashboard",
         "password = \"correct horse battery staple\"",
         "token_type = \"refresh_token\"",
         "password_length = 123456789012",
         "secret_name = \"my-kubernetes-secret\"",
         "max_tokens = 100000",
         "private_key_id = \"0123456789abcdef0123\"",
         "api_key_env = \"OPENAI_API_KEY\"",
         "token: GITHUB_TOKEN",
         "key_file = \"/etc/ssl/private/server.key\"",
         "password_file = \"secrets/db-password.txt\"",
         "token_url = \"https://auth.example.com/oauth/token\"",
         "CACHE_KEY = \"user_sessions_v2\"",
         "SORT_KEY=created_at",
         "key = \"a1b2c3d4e5f6g7h8\"",
         "token == other_token",
         "run --password --verbose",
         "credentials: 'same-origin',",
         "two-factor auth: auth-and-writes",
         "password = \"use_the_vault_only\"",
         "lib.publish({token: 'myregistrytoken'})",
         "'X-Token-Secret': 'SuperSecretToken'",
         "last_token=12.723374634",
         "Writeln('Password :',Password);",
         "authkey=self._authkey, exposed=exposed",
       }) {
    CAPTURE(text);
    CHECK(text_of(text) == text);
  }
}

TEST_CASE("unquoted values in source files are expressions and are not masked")
{
  const std::string diff = "diff --git a/src/app.ts b/src/app.ts\n"
                           "+AUTH_TOKEN=hunter2Value\n"
                           "+const options = { password: hunter2Value, token: TOKEN_2024 };\n"
                           "+const literal = { password: \"" +
                           body(12) +
                           "\" };\n"
                           "+run([\"deploy\", \"--token=" +
                           body(12) +
                           "\"]);\n"
                           "diff --git a/config/app.yml b/config/app.yml\n"
                           "+password: hunter2Value\n"
                           "diff --git a/old.py b/old.py\n"
                           "deleted file mode 100644\n"
                           "--- a/old.py\n"
                           "+++ /dev/null\n"
                           "-password = hunter2Value\n";
  CHECK(text_of(diff) == "diff --git a/src/app.ts b/src/app.ts\n"
                         "+AUTH_TOKEN=hunter2Value\n"
                         "+const options = { password: hunter2Value, token: TOKEN_2024 };\n"
                         "+const literal = { password: \"[REDACTED:assignment]\" };\n"
                         "+run([\"deploy\", \"--token=[REDACTED:assignment]\"]);\n"
                         "diff --git a/config/app.yml b/config/app.yml\n"
                         "+password: [REDACTED:assignment]\n"
                         "diff --git a/old.py b/old.py\n"
                         "deleted file mode 100644\n"
                         "--- a/old.py\n"
                         "+++ /dev/null\n"
                         "-password = hunter2Value\n");
}

TEST_CASE("several secrets on one line are each masked and reported")
{
  const std::string line = "+{\"user\": \"bob\", \"password\": \"" + body(14) + "\", \"token\": \"" + join("gh", "p_") +
                           body(36) + "\", \"url\": \"https://bob:" + body(9) + "@h/\"}\n";
  const auto result = mask(line);
  CHECK(result.text ==
        "+{\"user\": \"bob\", \"password\": \"[REDACTED:assignment]\", \"token\": \"[REDACTED:github-token]\", "
        "\"url\": \"https://bob:[REDACTED:url-credentials]@h/\"}\n");
  CHECK(result.findings.size() == 3);
}

TEST_CASE("findings give the 1-based input line and never the secret")
{
  const std::string secret = body(20);
  const std::string diff = "line one\n"
                           "+password = \"" +
                           secret +
                           "\"\n"
                           "\n"
                           "+" +
                           join("AKI", "A") + body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") +
                           "\n"
                           "last " +
                           join("xo", "xb-") + "1234567890-" + body(20);
  const auto result = mask(diff);
  CHECK(findings_of(diff) ==
        std::vector<std::pair<std::string, std::size_t>>{{"assignment", 2}, {"aws-access-key", 4}, {"slack-token", 5}});
  CHECK(result.text.find(secret) == std::string::npos);
  for (const auto& finding : result.findings) {
    CHECK(finding.kind.find(secret) == std::string::npos);
  }
}

TEST_CASE("line structure, the diff column and a missing final newline are preserved")
{
  const std::string diff = "@@ -1,3 +1,3 @@\r\n"
                           "-token = \"" +
                           body(20) +
                           "\"\r\n"
                           "+token = \"" +
                           body(21) +
                           "\"\r\n"
                           " unchanged\r\n"
                           "+DB_PASSWORD=" +
                           body(12);
  const auto masked = text_of(diff);
  CHECK(masked == "@@ -1,3 +1,3 @@\r\n"
                  "-token = \"[REDACTED:assignment]\"\r\n"
                  "+token = \"[REDACTED:assignment]\"\r\n"
                  " unchanged\r\n"
                  "+DB_PASSWORD=[REDACTED:assignment]");
  CHECK(count_lines(masked) == count_lines(diff));
  CHECK(text_of("") == "");
  CHECK(text_of("\n\n") == "\n\n");
}

TEST_CASE("masking masked text changes nothing and finds nothing")
{
  const std::string diff = "+" + k_begin_rsa + "\n+" + k_pem_line + "\n+" + k_end_rsa +
                           "\n"
                           "+password = \"" +
                           body(12) + "\" # and " + join("gh", "p_") + body(36) +
                           "\n"
                           "+DATABASE_URL=postgres://u:" +
                           body(10) +
                           "@db/x\n"
                           "+AWS_ACCESS_KEY_ID=" +
                           join("AKI", "A") + body(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") +
                           "\n"
                           "+Authorization: Bearer " +
                           body(30) +
                           "\n"
                           "+\"private_key\": \"-----BEGIN "
                           "PRIVATE KEY-----\\n" +
                           k_pem_line +
                           "\\n-----END PRIVATE KEY-----\"\n"
                           "+<token>" +
                           body(12) +
                           "</token>\n"
                           "+run --password " +
                           body(12) + "\n";
  const auto once = mask(diff);
  CHECK(once.findings.size() == 9);
  const auto twice = mask(once.text);
  CHECK(twice.text == once.text);
  CHECK(twice.findings.empty());
}

TEST_CASE("a few megabytes of diff are masked in linear time")
{
  std::string chunk = "diff --git a/app/settings.py b/app/settings.py\n"
                      "@@ -1,9 +1,9 @@ class Settings:\n"
                      "+    password = get_password()  # the token: see docs\n"
                      "+    api_key = \"" +
                      body(32) +
                      "\"\n"
                      "+    url = \"https://u:" +
                      body(8) + "@h/x?token=" + body(20) +
                      "&b=1\"\n"
                      "     for i in range(10): total += compute(i, key=lambda x: x.name)\n"
                      "+" +
                      k_begin_rsa + "\n+" + k_pem_line + "\n+" + k_end_rsa +
                      "\n"
                      "-    headers = {\"Authorization\": \"Bearer " +
                      body(40) + "\"}\n";
  std::string big;
  while (big.size() < 4 * 1024 * 1024) {
    big += chunk;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto result = mask(big);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(count_lines(result.text) == count_lines(big));
  CHECK(result.findings.size() == 5 * (big.size() / chunk.size()));
  // Measured ~0.2 s at -O2; the bound leaves room for sanitizer and debug builds.
  CHECK(elapsed < std::chrono::seconds(10));
}

TEST_CASE("lines built to provoke rescanning finish quickly")
{
  std::string hostile;
  for (int i = 0; i < 100000; ++i) {
    hostile += "a://";
  }
  hostile += "\n" + join("s", "k-");
  for (int i = 0; i < 100000; ++i) {
    hostile += "a-";
  }
  hostile += "\n";
  for (int i = 0; i < 50000; ++i) {
    hostile += join("ey", "Jaaaaaaaaaa.");
  }
  hostile += "\n";
  for (int i = 0; i < 100000; ++i) {
    hostile += "token: a ";
  }
  hostile += "\n\"";
  for (int i = 0; i < 50000; ++i) {
    hostile += "-----BEGIN ";
  }
  hostile += "\npassword:" + std::string(500000, ' ') + "\n" + std::string(500000, '[') + "\n";
  const auto start = std::chrono::steady_clock::now();
  const auto result = mask(hostile);
  CHECK(count_lines(result.text) == count_lines(hostile));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}
