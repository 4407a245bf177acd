#include "prompt.hpp"

#include "redact/redact.hpp"
#include "templates.hpp"
#include "util/glob.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <map>
#include <numeric>

namespace cmtgen::prompt {

namespace {

using templates::Data;

// The diff sits between these tags; the template tells the model that what is inside is
// data. A closing tag inside the diff itself is defused so it cannot end the block early.
constexpr std::string_view k_diff_close = "</diff>";
constexpr std::string_view k_diff_close_defused = "<\\/diff>";

constexpr std::size_t k_min_file_bytes = 160; // below this, a diff is not worth starting

struct Rule
{
  std::string_view glob;
  std::string_view reason;
};

// Content that is noise for a commit message (lock files, minified bundles) or must never
// leave the machine (secrets files, private keys). Named in the prompt, never shown.
constexpr std::array k_builtin_rules = {
  Rule{"package-lock.json", "lock file"},
  Rule{"npm-shrinkwrap.json", "lock file"},
  Rule{"yarn.lock", "lock file"},
  Rule{"pnpm-lock.yaml", "lock file"},
  Rule{"bun.lockb", "lock file"},
  Rule{"Cargo.lock", "lock file"},
  Rule{"Gemfile.lock", "lock file"},
  Rule{"poetry.lock", "lock file"},
  Rule{"Pipfile.lock", "lock file"},
  Rule{"composer.lock", "lock file"},
  Rule{"go.sum", "lock file"},
  Rule{"mix.lock", "lock file"},
  Rule{"flake.lock", "lock file"},
  Rule{"pubspec.lock", "lock file"},
  Rule{"Podfile.lock", "lock file"},
  Rule{"packages.lock.json", "lock file"},
  Rule{"gradle.lockfile", "lock file"},
  Rule{"uv.lock", "lock file"},
  Rule{"*.lock", "lock file"},
  Rule{"*.min.js", "minified"},
  Rule{"*.min.mjs", "minified"},
  Rule{"*.min.css", "minified"},
  Rule{"*.map", "source map"},
  // Secrets files, every spelling of the family: .env, .env.local, .env-production,
  // .env_local, .envrc, prod.env.
  Rule{".env*", "secrets file"},
  Rule{"*.env", "secrets file"},
  Rule{".netrc", "secrets file"},
  Rule{"_netrc", "secrets file"},
  Rule{".pgpass", "secrets file"},
  Rule{".npmrc", "secrets file"},
  Rule{".pypirc", "secrets file"},
  Rule{".git-credentials", "secrets file"},
  Rule{".htpasswd", "secrets file"},
  Rule{".dockercfg", "secrets file"},
  Rule{".docker/config.json", "secrets file"},
  Rule{"**/.docker/config.json", "secrets file"},
  Rule{".aws/credentials", "secrets file"},
  Rule{"**/.aws/credentials", "secrets file"},
  Rule{"*.tfstate", "secrets file"},
  Rule{"*.tfstate.backup", "secrets file"},
  Rule{"*.tfvars", "secrets file"},
  Rule{"*.ovpn", "secrets file"},
  // Keys, certificates and the stores that hold them.
  Rule{"*.pem", "key or certificate"},
  Rule{"*.key", "key or certificate"},
  Rule{"*.crt", "key or certificate"},
  Rule{"*.cer", "key or certificate"},
  Rule{"*.der", "key or certificate"},
  Rule{"*.csr", "key or certificate"},
  Rule{"*.p7b", "key or certificate"},
  Rule{"*.p7c", "key or certificate"},
  Rule{"*.p8", "key or certificate"},
  Rule{"*.p12", "key or certificate"},
  Rule{"*.pfx", "key or certificate"},
  Rule{"*.pkcs12", "key or certificate"},
  Rule{"*.ppk", "key or certificate"},
  Rule{"*.jks", "key or certificate"},
  Rule{"*.bks", "key or certificate"},
  Rule{"*.keystore", "key or certificate"},
  Rule{"*.truststore", "key or certificate"},
  Rule{"*.gpg", "key or certificate"},
  Rule{"*.pgp", "key or certificate"},
  Rule{"*.asc", "key or certificate"},
  Rule{"secring.*", "key or certificate"},
  // ssh keys: id_rsa, id_rsa_deploy, id_ed25519-sk (a ".pub" beside them is public).
  Rule{"id_rsa", "private key"},
  Rule{"id_dsa", "private key"},
  Rule{"id_ecdsa", "private key"},
  Rule{"id_ed25519", "private key"},
  Rule{"id_rsa[_-]*", "private key"},
  Rule{"id_dsa[_-]*", "private key"},
  Rule{"id_ecdsa[_-]*", "private key"},
  Rule{"id_ed25519[_-]*", "private key"},
  Rule{"*.kdbx", "password database"},
  Rule{"*.kdb", "password database"},
  Rule{"*.agilekeychain", "password database"},
  Rule{"*.keychain", "password database"},
  Rule{"*.keychain-db", "password database"},
};

std::string
exclusion_reason(const git::FileChange& file, const std::vector<std::string>& user_globs)
{
  // A renamed or copied file shows its old content too: `git mv .env notes.txt` is
  // still a secrets file.
  for (const std::string* path : {&file.path, &file.old_path}) {
    if (path->empty()) {
      continue;
    }
    if (auto reason = builtin_exclusion(*path); !reason.empty()) {
      return reason;
    }
    for (const auto& glob : user_globs) {
      if (util::glob_match(glob, *path)) {
        return fmt::format("excluded by cmtgen.exclude '{}'", glob);
      }
    }
  }
  if (file.submodule()) {
    return "submodule";
  }
  if (file.too_large) {
    return fmt::format("too large ({})", util::human_size(file.weight()));
  }
  if (file.generated) {
    return "generated (linguist-generated)";
  }
  if (file.binary) {
    return "binary";
  }
  return {};
}

std::string
short_oid(const std::string& oid)
{
  return oid.empty() ? "(none)" : oid.substr(0, 7);
}

std::string
counts(const git::FileChange& file)
{
  if (file.added < 0) {
    return {};
  }
  return fmt::format("+{} -{}", file.added, file.removed);
}

std::string
summary_line(const git::FileChange& file, const std::string& reason)
{
  std::string line = fmt::format("{} {}", git::status_letter(file.status), util::c_quote(file.path));
  std::vector<std::string> details;
  if (file.status == git::Status::renamed || file.status == git::Status::copied) {
    line = fmt::format("{} {} -> {}", git::status_letter(file.status), util::c_quote(file.old_path),
                       util::c_quote(file.path));
    details.push_back(fmt::format("{}% similar", file.similarity));
  }
  if (file.submodule()) {
    details.push_back(fmt::format("submodule {} -> {}", short_oid(file.old_oid), short_oid(file.new_oid)));
  } else if (file.status == git::Status::type_changed) {
    auto kind = [](std::uint32_t mode) {
      return mode == git::k_mode_link ? "symlink" : mode == git::k_mode_gitlink ? "submodule" : "file";
    };
    details.push_back(fmt::format("type change: {} -> {}", kind(file.old_mode), kind(file.new_mode)));
  }
  if (file.mode_changed()) {
    details.push_back(fmt::format("mode {:o} -> {:o}", file.old_mode, file.new_mode));
  }
  if (auto text = counts(file); !text.empty()) {
    details.push_back(std::move(text));
  }
  if (file.binary && !file.too_large && !file.submodule()) {
    details.push_back(fmt::format("binary, {}", util::human_size(file.weight())));
  }
  if (!reason.empty() && reason != "binary" && reason != "submodule") {
    details.push_back(reason + ", content not shown");
  }
  if (!details.empty()) {
    line += fmt::format(" ({})", util::join(details, "; "));
  }
  return line;
}

struct Group
{
  std::size_t files = 0;
  std::map<std::string, std::size_t> statuses;
  std::int64_t added = 0;
  std::int64_t removed = 0;
};

// One line per directory, at `depth` components (0: the whole directory path).
std::string
grouped_summary(const std::vector<git::FileChange>& files, std::size_t depth)
{
  std::map<std::string, Group> groups;
  for (const auto& file : files) {
    std::string dir;
    const auto parts = util::split(file.path, '/');
    const std::size_t dir_parts = parts.size() - 1;
    const std::size_t keep = depth == 0 ? dir_parts : std::min(depth, dir_parts);
    for (std::size_t i = 0; i < keep; ++i) {
      dir += std::string(parts[i]) + "/";
    }
    if (dir.empty()) {
      dir = "./";
    }
    Group& group = groups[dir];
    ++group.files;
    ++group.statuses[std::string(git::status_name(file.status))];
    group.added += std::max<std::int64_t>(file.added, 0);
    group.removed += std::max<std::int64_t>(file.removed, 0);
  }
  std::string text;
  for (const auto& [dir, group] : groups) {
    std::vector<std::string> statuses;
    for (const auto& [status, count] : group.statuses) {
      statuses.push_back(fmt::format("{} {}", count, status));
    }
    text += fmt::format("{} {} file{} ({}), +{} -{}\n", util::c_quote(dir), group.files, group.files == 1 ? "" : "s",
                        util::join(statuses, ", "), group.added, group.removed);
  }
  return text;
}

std::string
join_patch(const git::FilePatch& patch)
{
  std::string text = patch.header;
  for (const auto& hunk : patch.hunks) {
    text += hunk;
  }
  return text;
}

void
defuse(std::string& text)
{
  std::size_t pos = 0;
  while ((pos = text.find(k_diff_close, pos)) != std::string::npos) {
    text.replace(pos, k_diff_close.size(), k_diff_close_defused);
    pos += k_diff_close_defused.size();
  }
}

// Cuts `text` at the last line boundary that leaves room for `marker` within `limit`.
bool
cut_at_line(std::string& text, std::size_t limit, const std::string& marker)
{
  if (limit <= marker.size() + 1) {
    return false;
  }
  // The kept text ends with its newline: position end + 1 bytes, then the marker.
  const auto end = text.rfind('\n', limit - marker.size() - 1);
  if (end == std::string::npos) {
    return false;
  }
  text.resize(end + 1);
  text += marker;
  return true;
}

// What one line of context may take: a branch name, a recent subject, the language.
constexpr std::size_t k_max_context_line = 200;
constexpr std::string_view k_prompt_cut_marker = "\n[... the rest of the prompt did not fit its budget ...]\n";

// `text` cut to at most `limit` bytes, never inside a UTF-8 sequence, with "..." where cut.
std::string
cut_text(std::string_view text, std::size_t limit)
{
  if (text.size() <= limit) {
    return std::string(text);
  }
  std::size_t keep = limit > 3 ? limit - 3 : 0;
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xc0) == 0x80) {
    --keep;
  }
  return std::string(text.substr(0, keep)) + "...";
}

// The parts of the prompt that come from the repository besides the change, each cut to
// a share of the budget: one 3 MB commit subject must not make every prompt 3 MB.
struct Surroundings
{
  std::string branch;
  std::vector<std::string> subjects;
  std::string previous_message;
  std::string language;

  explicit Surroundings(const Input& input)
    : branch(cut_text(input.head.branch, k_max_context_line))
    , previous_message(cut_text(util::trim(input.previous_message), input.max_bytes / 4))
    , language(cut_text(util::trim(input.language), 64))
  {
    std::size_t room = input.max_bytes / 10;
    for (const auto& subject : input.recent_subjects) {
      std::string line = cut_text(util::trim(subject), k_max_context_line);
      if (line.size() + 3 > room) {
        break;
      }
      room -= line.size() + 3;
      subjects.push_back(std::move(line));
    }
  }
};

class Builder
{
public:
  explicit Builder(const Input& input)
    : m_input(input)
    , m_context(input)
    , m_template(input.template_text, "cmtgen.template")
  {
    m_reasons.reserve(input.files.size());
    m_cut.resize(input.files.size(), false);
    for (const char* tag : {"{{#files}}", "{{^files}}", "{{files}}", "{{#files ", "{{ files"}) {
      m_uses_file_list = m_uses_file_list || util::contains(input.template_text, tag);
    }
    for (const auto& file : input.files) {
      m_reasons.push_back(exclusion_reason(file, input.exclude));
    }
  }

  Prompt build()
  {
    Prompt prompt;
    prompt.system = m_template.render_system(base_data());

    // The summary covers every file; when it cannot fit, it is grouped by directory.
    std::string summary = full_summary();
    std::size_t fixed = render_size(summary);
    for (const std::size_t depth : {std::size_t{0}, std::size_t{2}, std::size_t{1}}) {
      if (fixed <= m_input.max_bytes) {
        break;
      }
      summary = grouped_summary(m_input.files, depth);
      prompt.summary_grouped = true;
      fixed = render_size(summary);
    }

    // Room for the note that names files whose diff did not fit.
    const std::size_t room = m_input.max_bytes > fixed ? m_input.max_bytes - fixed : 0;
    const std::size_t note_room = std::min<std::size_t>(room / 8, 1500);
    std::size_t available = room - note_room;
    CMTGEN_LOG("prompt: template and summary {} bytes, {} for diffs, {} reserved for the note", fixed, available,
               note_room);

    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < m_input.files.size(); ++i) {
      if (m_reasons[i].empty()) {
        order.push_back(i);
      }
    }
    // Small files first: many whole diffs tell more than one huge one. Deletions last: their
    // content is the least telling.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const auto& fa = m_input.files[a];
      const auto& fb = m_input.files[b];
      const bool da = fa.status == git::Status::deleted;
      const bool db = fb.status == git::Status::deleted;
      if (da != db) {
        return db;
      }
      return fa.weight() < fb.weight();
    });

    std::vector<std::string> pieces(m_input.files.size());
    std::vector<std::size_t> budget_omitted;
    for (const std::size_t index : order) {
      if (available < k_min_file_bytes) {
        budget_omitted.push_back(index);
        continue;
      }
      std::string piece = diff_piece(index, available, prompt);
      if (piece.empty() || piece.size() > available) {
        budget_omitted.push_back(index);
        continue;
      }
      available -= piece.size();
      pieces[index] = std::move(piece);
    }

    // The sizes above are exact but for the note and for what redaction changed: drop the
    // largest diffs until the whole prompt fits.
    while (true) {
      std::string diff;
      prompt.files_cut = 0;
      for (std::size_t i = 0; i < pieces.size(); ++i) {
        diff += pieces[i];
        prompt.files_cut += !pieces[i].empty() && m_cut[i] ? 1U : 0U;
      }
      std::sort(budget_omitted.begin(), budget_omitted.end());
      const std::string note = omitted_note(budget_omitted, note_room, prompt.files_cut);
      prompt.user = render_user(summary, diff, note, !diff.empty(), !note.empty());
      const auto largest = std::max_element(pieces.begin(), pieces.end(),
                                            [](const auto& a, const auto& b) { return a.size() < b.size(); });
      if (prompt.user.size() <= m_input.max_bytes || largest == pieces.end() || largest->empty()) {
        prompt.diff_bytes = diff.size();
        break;
      }
      largest->clear();
      budget_omitted.push_back(static_cast<std::size_t>(largest - pieces.begin()));
    }

    // With no diff left, the template's own text and the file list can still be over
    // (a custom template, a list too long even grouped): the budget is a hard limit.
    // The system prompt obeys the same bound (a custom template may list the files there).
    if (prompt.system.size() > m_input.max_bytes) {
      prompt.system = cut_text(prompt.system, m_input.max_bytes);
      cut_at_line(prompt.system, m_input.max_bytes, std::string(k_prompt_cut_marker.substr(1)));
      prompt.cut = true;
    }
    if (prompt.user.size() > m_input.max_bytes) {
      CMTGEN_LOG("prompt: {} bytes without diffs, cut to {}", prompt.user.size(), m_input.max_bytes);
      prompt.user = cut_text(prompt.user, m_input.max_bytes);
      cut_at_line(prompt.user, m_input.max_bytes, std::string(k_prompt_cut_marker.substr(1)));
      prompt.cut = true;
    }

    for (std::size_t i = 0; i < m_input.files.size(); ++i) {
      if (!m_reasons[i].empty()) {
        prompt.omitted.push_back({m_input.files[i].path, m_reasons[i]});
      } else if (pieces[i].empty()) {
        prompt.omitted.push_back({m_input.files[i].path, "budget"});
      } else {
        ++prompt.files_with_diff;
        if (m_cut[i]) {
          prompt.omitted.push_back({m_input.files[i].path, "partly shown (budget)"});
        }
      }
    }
    return prompt;
  }

private:
  Data base_data() const
  {
    Data data = Data::object();
    data.set("language", Data::text(m_context.language));
    data.set("candidates", Data::text(std::to_string(m_input.candidates)));
    data.set("multiple_candidates", Data::flag(m_input.candidates > 1));
    data.set("branch", Data::text(m_context.branch));
    data.set("has_branch", Data::flag(!m_context.branch.empty()));
    data.set("detached", Data::flag(m_input.head.detached));
    data.set("unborn", Data::flag(m_input.head.unborn));
    Data subjects = Data::list();
    for (const auto& subject : m_context.subjects) {
      subjects.push(Data::object().set("subject", Data::text(subject)));
    }
    data.set("recent_subjects", std::move(subjects));
    data.set("has_recent_subjects", Data::flag(!m_context.subjects.empty()));
    data.set("previous_message", Data::text(m_context.previous_message));
    data.set("has_previous_message", Data::flag(!m_context.previous_message.empty()));

    std::int64_t added = 0;
    std::int64_t removed = 0;
    for (const auto& file : m_input.files) {
      added += std::max<std::int64_t>(file.added, 0);
      removed += std::max<std::int64_t>(file.removed, 0);
    }
    // The per-file list costs a copy per render for thousands of files: built only for a
    // template that uses it.
    Data files = Data::list();
    for (std::size_t i = 0; m_uses_file_list && i < m_input.files.size(); ++i) {
      const auto& file = m_input.files[i];
      Data item = Data::object();
      item.set("path", Data::text(file.path));
      item.set("old_path", Data::text(file.old_path));
      item.set("status", Data::text(std::string(git::status_name(file.status))));
      item.set("added", Data::text(file.added < 0 ? "" : std::to_string(file.added)));
      item.set("removed", Data::text(file.removed < 0 ? "" : std::to_string(file.removed)));
      item.set("binary", Data::flag(file.binary));
      item.set("excluded_reason", Data::text(m_reasons[i]));
      files.push(std::move(item));
    }
    data.set("files", std::move(files));
    data.set("files_changed", Data::text(std::to_string(m_input.files.size())));
    data.set("lines_added", Data::text(std::to_string(added)));
    data.set("lines_removed", Data::text(std::to_string(removed)));
    return data;
  }

  std::string full_summary() const
  {
    std::string text;
    for (std::size_t i = 0; i < m_input.files.size(); ++i) {
      text += summary_line(m_input.files[i], m_reasons[i]);
      text += '\n';
    }
    return text;
  }

  std::string render_user(const std::string& summary,
                          const std::string& diff,
                          const std::string& note,
                          bool has_diff,
                          bool has_omitted) const
  {
    Data data = base_data();
    data.set("file_summary", Data::text(summary));
    data.set("diff", Data::text(diff));
    data.set("has_diff", Data::flag(has_diff));
    data.set("omitted_note", Data::text(note));
    data.set("has_omitted", Data::flag(has_omitted));
    return m_template.render_user(data);
  }

  // The prompt without diffs and note, but with the text around both: what every byte of
  // diff adds to.
  std::size_t render_size(const std::string& summary) const { return render_user(summary, "", "", true, true).size(); }

  // The diff of one file within `available` bytes, or "" when not even its start fits.
  std::string diff_piece(std::size_t index, std::size_t available, Prompt& prompt)
  {
    git::FilePatch patch = m_input.patch(index, available);
    if (patch.hunks.empty()) {
      // A pure rename or mode change: the header says it all, if it fits.
      return patch.header.size() <= available && !patch.truncated ? patch.header : std::string();
    }
    if (m_input.redact) {
      redact_patch(patch, prompt);
    }
    std::string text = join_patch(patch);
    const std::string marker =
      fmt::format("[... the rest of the diff of {} did not fit ...]\n", util::c_quote(m_input.files[index].path));
    bool cut = patch.truncated;
    if (text.size() + (cut ? marker.size() : 0) > available) {
      if (text.size() - patch.hunks.back().size() + marker.size() <= available && patch.hunks.size() > 1) {
        text.resize(text.size() - patch.hunks.back().size()); // drop the last whole hunk
      } else if (!cut_at_line(text, available, marker) || text.size() <= patch.header.size() + marker.size()) {
        return {};
      }
      cut = true;
    }
    if (cut && !text.ends_with(marker)) {
      text += marker;
    }
    // Defusing lengthens the text by 1 byte per closing tag; the final fit check covers it.
    defuse(text);
    m_cut[index] = cut;
    return text;
  }

  // Masks the whole file at once, so a key block that spans hunks is seen as one, then
  // puts the lines back into header and hunks (masking keeps every line in place).
  static void redact_patch(git::FilePatch& patch, Prompt& prompt)
  {
    std::vector<std::size_t> line_counts;
    std::string whole = patch.header;
    line_counts.push_back(util::split_lines(patch.header).size());
    for (const auto& hunk : patch.hunks) {
      whole += hunk;
      line_counts.push_back(util::split_lines(hunk).size());
    }
    auto masked = redact::mask(whole);
    prompt.redactions += masked.findings.size();
    const auto lines = util::split_lines(masked.text);
    std::size_t next = 0;
    auto take = [&](std::size_t count) {
      std::string part;
      for (std::size_t i = 0; i < count && next < lines.size(); ++i, ++next) {
        part.append(lines[next]);
        part += '\n';
      }
      return part;
    };
    patch.header = take(line_counts[0]);
    for (std::size_t i = 0; i < patch.hunks.size(); ++i) {
      patch.hunks[i] = take(line_counts[i + 1]);
    }
  }

  std::string omitted_note(const std::vector<std::size_t>& budget_omitted,
                           std::size_t room,
                           std::size_t files_cut) const
  {
    std::string note;
    std::size_t never_shown = 0;
    for (const auto& reason : m_reasons) {
      never_shown += reason.empty() ? 0U : 1U;
    }
    if (never_shown > 0) {
      note += fmt::format("The content of {} file{} is not shown (see the reason beside each in the list above).\n",
                          never_shown, never_shown == 1 ? "" : "s");
    }
    if (files_cut > 0) {
      note +=
        fmt::format("{} diff{} cut short to fit (marked where cut).\n", files_cut, files_cut == 1 ? " is" : "s are");
    }
    if (!budget_omitted.empty()) {
      std::string names;
      std::size_t listed = 0;
      for (const std::size_t index : budget_omitted) {
        const std::string path = util::c_quote(m_input.files[index].path);
        if (names.size() + path.size() + 64 > room) {
          break;
        }
        names += names.empty() ? "" : ", ";
        names += path;
        ++listed;
      }
      const std::size_t rest = budget_omitted.size() - listed;
      note += fmt::format("The diff of {} file{} did not fit and is not shown{}{}{}.\n", budget_omitted.size(),
                          budget_omitted.size() == 1 ? "" : "s", listed > 0 ? ": " : "", names,
                          rest > 0 && listed > 0 ? fmt::format(" and {} more", rest) : "");
    }
    return note;
  }

  const Input& m_input;
  Surroundings m_context;
  templates::Template m_template;
  std::vector<std::string> m_reasons;
  std::vector<bool> m_cut;
  bool m_uses_file_list = false;
};

} // namespace

std::string
builtin_exclusion(std::string_view path)
{
  // File systems that ignore case (macOS, Windows) open `.ENV` as `.env`: so does this list.
  const std::string lower = util::to_lower(path);
  for (const auto& rule : k_builtin_rules) {
    if (rule.reason == "private key" && lower.ends_with(".pub")) {
      continue;
    }
    if (util::glob_match(util::to_lower(rule.glob), lower)) {
      return std::string(rule.reason);
    }
  }
  return {};
}

Prompt
build(const Input& input)
{
  return Builder(input).build();
}

} // namespace cmtgen::prompt
