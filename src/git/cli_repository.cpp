// The git CLI reader, for repositories libgit2 1.5.1 cannot read (split index, sparse
// index, SHA-256, unknown extensions). git inherits the hook's environment (GIT_DIR,
// GIT_INDEX_FILE, GIT_WORK_TREE, `git -c`), so it describes exactly what is committed.
#include "error.hpp"
#include "git/readers.hpp"
#include "util/log.hpp"
#include "util/runner.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <array>
#include <charconv>
#include <map>
#include <system_error>
#include <utility>

namespace cmtgen::git {

namespace fs = std::filesystem;

namespace {

std::uint32_t
parse_mode(std::string_view text)
{
  std::uint32_t mode = 0;
  std::from_chars(text.data(), text.data() + text.size(), mode, 8);
  return mode;
}

std::int64_t
parse_count(std::string_view text)
{
  std::int64_t count = -1;
  if (std::from_chars(text.data(), text.data() + text.size(), count).ec != std::errc()) {
    return -1;
  }
  return count;
}

bool
all_zero(std::string_view oid)
{
  return oid.find_first_not_of('0') == std::string_view::npos;
}

// Pathspecs that match exactly one path, whatever characters it holds.
std::string
literal(std::string_view path)
{
  return fmt::format(":(literal){}", path);
}

class CliRepository : public Repository
{
public:
  explicit CliRepository(const OpenRequest& request)
    : m_runner(request.runner ? *request.runner : util::system_runner())
    , m_env(request.env)
    , m_cwd(request.cwd)
    , m_max_file_size(request.max_file_size)
  {
    // git reads a missing GIT_INDEX_FILE as an empty index: everything would look deleted.
    if (const auto index = m_env.get("GIT_INDEX_FILE"); index && !index->empty()) {
      const fs::path path = fs::path(*index).is_absolute() ? fs::path(*index) : m_cwd / *index;
      std::error_code ec;
      if (!fs::is_regular_file(path, ec)) {
        throw Error(Failure::git, fmt::format("GIT_INDEX_FILE {} does not exist", path.string()));
      }
    }
    const std::string rev_parse =
      git({"rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir", "--is-bare-repository"});
    const auto dirs = util::split_lines(rev_parse);
    if (dirs.size() < 3) {
      throw Error(Failure::git, "git rev-parse gave no git directory");
    }
    m_git_dir = fs::path(dirs[0]).lexically_normal();
    m_common_dir = fs::path(dirs[1]).lexically_normal();
    if (dirs[2] != "true") {
      const auto top = run({"rev-parse", "--show-toplevel"});
      if (top.succeeded()) {
        m_workdir = fs::path(std::string(util::trim(top.out))).lexically_normal();
      }
    }
  }

  std::string_view reader() const override { return "git"; }

  Head head() override
  {
    Head head;
    const auto symbolic = run({"symbolic-ref", "-q", "HEAD"});
    if (symbolic.succeeded()) {
      std::string_view ref = util::trim(symbolic.out);
      if (ref.starts_with("refs/heads/")) {
        ref.remove_prefix(11);
      }
      head.branch = ref;
    } else {
      head.detached = true;
    }
    const auto oid = run({"rev-parse", "-q", "--verify", "HEAD^{commit}"});
    if (oid.succeeded()) {
      head.oid = util::trim(oid.out);
    } else {
      head.unborn = true;
      head.detached = false;
    }
    return head;
  }

  std::vector<std::string> recent_subjects(std::size_t count) override
  {
    std::vector<std::string> subjects;
    const auto log = run({"log", "--first-parent", "-z", fmt::format("-n{}", count), "--format=%s"});
    if (!log.succeeded()) {
      return subjects; // unborn branch
    }
    for (const auto subject : util::split(log.out, '\0')) {
      if (!subject.empty()) {
        subjects.emplace_back(subject);
      }
    }
    return subjects;
  }

  std::vector<FileChange> staged(Base base, Renames renames) override
  {
    m_base = base_revision(base);
    m_rename_flags = renames == Renames::off      ? std::vector<std::string>{"--no-renames"}
                     : renames == Renames::copies ? std::vector<std::string>{"-M", "-C"}
                                                  : std::vector<std::string>{"-M"};
    // core.bigFileThreshold makes git treat larger files as binary without loading them:
    // the same limit as libgit2's max_size on the other path.
    std::vector<std::string> args = {"-c",
                                     fmt::format("core.bigFileThreshold={}", m_max_file_size),
                                     "diff",
                                     "--cached",
                                     "-z",
                                     "--raw",
                                     "--no-abbrev",
                                     "--numstat",
                                     "--no-ext-diff",
                                     "--no-textconv",
                                     "--no-color",
                                     "--ignore-submodules=none"};
    args.insert(args.end(), m_rename_flags.begin(), m_rename_flags.end());
    args.push_back(m_base);
    args.emplace_back("--");
    const std::string output = git(args);

    m_files.clear();
    std::map<std::string, std::size_t, std::less<>> by_path;
    const auto fields = util::split(output, '\0');
    std::size_t i = 0;
    while (i < fields.size() && !fields[i].empty()) {
      const std::string_view field = fields[i];
      if (field.front() == ':') {
        // :old_mode new_mode old_oid new_oid status NUL path [NUL path]
        const auto parts = util::split(field.substr(1), ' ');
        if (parts.size() < 5 || i + 1 >= fields.size()) {
          throw Error(Failure::git, "cannot parse `git diff --raw` output");
        }
        FileChange file;
        file.old_mode = parse_mode(parts[0]);
        file.new_mode = parse_mode(parts[1]);
        file.old_oid = all_zero(parts[2]) ? "" : std::string(parts[2]);
        file.new_oid = all_zero(parts[3]) ? "" : std::string(parts[3]);
        const char letter = parts[4].empty() ? 'M' : parts[4].front();
        file.status = letter == 'A'   ? Status::added
                      : letter == 'D' ? Status::deleted
                      : letter == 'R' ? Status::renamed
                      : letter == 'C' ? Status::copied
                      : letter == 'T' ? Status::type_changed
                                      : Status::modified;
        if (file.status == Status::renamed || file.status == Status::copied) {
          file.similarity = static_cast<int>(parse_count(parts[4].substr(1)));
          file.old_path = fields[i + 1];
          file.path = fields[i + 2];
          i += 3;
        } else {
          file.path = fields[i + 1];
          file.old_path = file.path;
          i += 2;
        }
        by_path.emplace(file.path, m_files.size());
        m_files.push_back(std::move(file));
      } else {
        // added TAB removed TAB path NUL, or added TAB removed TAB NUL old NUL new NUL
        // Only the first two tabs separate fields: with -z the path is not quoted and may
        // hold tabs of its own.
        const auto first = field.find('\t');
        const auto second = first == std::string_view::npos ? first : field.find('\t', first + 1);
        if (second == std::string_view::npos) {
          throw Error(Failure::git, "cannot parse `git diff --numstat` output");
        }
        const std::array<std::string_view, 3> parts = {
          field.substr(0, first), field.substr(first + 1, second - first - 1), field.substr(second + 1)};
        std::string_view path = parts[2];
        ++i;
        if (path.empty() && i + 1 < fields.size()) {
          path = fields[i + 1];
          i += 2;
        }
        if (const auto it = by_path.find(path); it != by_path.end()) {
          FileChange& file = m_files[it->second];
          // git counts a submodule pointer move as one line out, one line in: it is not text.
          if (!file.submodule()) {
            file.binary = parts[0] == "-";
            file.added = parse_count(parts[0]);
            file.removed = parse_count(parts[1]);
          }
        }
      }
    }
    fill_sizes();
    fill_attributes();
    return m_files;
  }

  FilePatch patch(std::size_t index, std::size_t limit) override
  {
    FilePatch result;
    if (index >= m_files.size()) {
      return result;
    }
    const FileChange& file = m_files[index];
    std::vector<std::string> args = {"diff", "--cached", "--no-ext-diff", "--no-textconv", "--no-color"};
    args.insert(args.end(), m_rename_flags.begin(), m_rename_flags.end());
    args.insert(args.end(), {m_base, "--", literal(file.path)});
    if (file.old_path != file.path) {
      args.push_back(literal(file.old_path));
    }
    // The file is below the size limit (else no patch is asked for); the cap keeps a
    // surprise from costing memory.
    const auto diff = run(args, 4 * m_max_file_size + 65536);
    if (!diff.succeeded()) {
      throw Error(Failure::git, fmt::format("git diff failed: {}", util::trim(diff.err)));
    }
    std::size_t used = 0;
    bool first_header = true;
    for (const auto line : util::split_lines(diff.out)) {
      // A type change prints two blocks (deletion, then addition): the second block's
      // header starts a piece of its own, never the tail of a hunk.
      const bool block = line.starts_with("diff --git ") && !std::exchange(first_header, false);
      if (line.starts_with("@@") || block) {
        if (!result.hunks.empty()) {
          used += result.hunks.back().size();
        }
        result.hunks.emplace_back();
      }
      std::string& target = result.hunks.empty() ? result.header : result.hunks.back();
      target.append(line);
      target += '\n';
      if (!result.hunks.empty() && used + result.hunks.back().size() > limit) {
        if (result.hunks.size() > 1) {
          result.hunks.pop_back();
        }
        result.truncated = true;
        break;
      }
    }
    return result;
  }

  std::vector<ConfigEntry> config(const std::vector<std::string>& prefixes) override
  {
    std::vector<ConfigEntry> entries;
    // git applies every level, includes and `git -c` itself.
    const auto result =
      run({"config", "-z", "--show-scope", "--show-origin", "--get-regexp", prefixes_regex(prefixes)});
    if (result.reason != util::RunReason::exited || result.exit_code > 1) {
      throw Error(Failure::git, fmt::format("git config failed: {}", util::trim(result.err)));
    }
    const auto fields = util::split(result.out, '\0');
    for (std::size_t i = 0; i + 2 < fields.size(); i += 3) {
      const std::string_view scope = fields[i];
      const std::string_view origin = fields[i + 1];
      const std::string_view key_value = fields[i + 2];
      const auto newline = key_value.find('\n');
      ConfigEntry entry;
      entry.key = key_value.substr(0, newline);
      entry.value = newline == std::string_view::npos ? "true" : key_value.substr(newline + 1);
      entry.origin = scope == "command" ? "git -c" : fmt::format("{} config ({})", scope, origin);
      entries.push_back(std::move(entry));
    }
    return entries;
  }

private:
  util::RunResult run(const std::vector<std::string>& args, std::size_t cap = 64 * 1024 * 1024)
  {
    util::RunRequest request;
    request.argv = {"git"};
    request.argv.insert(request.argv.end(), args.begin(), args.end());
    request.env = m_env;
    request.cwd = m_cwd;
    request.output_cap = cap;
    CMTGEN_LOG("running {}", util::join(request.argv, " "));
    auto result = m_runner.run(request);
    if (result.reason == util::RunReason::not_found) {
      throw Error(Failure::git, "git is not on PATH");
    }
    return result;
  }

  std::string git(const std::vector<std::string>& args)
  {
    auto result = run(args);
    if (!result.succeeded()) {
      std::string_view why = util::trim(result.err);
      throw Error(Failure::git,
                  fmt::format("git {} failed: {}", args.front(), why.empty() ? util::reason_name(result.reason) : why));
    }
    return std::move(result.out);
  }

  std::string base_revision(Base base)
  {
    if (base == Base::head && run({"rev-parse", "-q", "--verify", "HEAD^{commit}"}).succeeded()) {
      return "HEAD";
    }
    if (base == Base::head_parent && run({"rev-parse", "-q", "--verify", "HEAD^^{commit}"}).succeeded()) {
      return "HEAD^";
    }
    // Unborn branch or root commit: diff from the empty tree of this repository's hash.
    util::RunRequest request;
    request.argv = {"git", "hash-object", "-t", "tree", "--stdin"};
    request.env = m_env;
    request.cwd = m_cwd;
    const auto empty = m_runner.run(request);
    if (!empty.succeeded()) {
      throw Error(Failure::git, "git cannot name the empty tree");
    }
    return std::string(util::trim(empty.out));
  }

  void fill_sizes()
  {
    std::string oids;
    for (const auto& file : m_files) {
      if (file.submodule()) {
        continue;
      }
      for (const auto* oid : {&file.old_oid, &file.new_oid}) {
        if (!oid->empty()) {
          oids += *oid;
          oids += '\n';
        }
      }
    }
    if (oids.empty()) {
      return;
    }
    util::RunRequest request;
    request.argv = {"git", "cat-file", "--batch-check=%(objectname) %(objectsize)"};
    request.stdin_data = std::move(oids);
    request.env = m_env;
    request.cwd = m_cwd;
    const auto result = m_runner.run(request);
    std::map<std::string_view, std::uint64_t> sizes;
    for (const auto line : util::split_lines(result.out)) {
      const auto space = line.find(' ');
      std::uint64_t size = 0;
      if (space != std::string_view::npos) {
        std::from_chars(line.data() + space + 1, line.data() + line.size(), size);
        sizes.emplace(line.substr(0, space), size);
      }
    }
    for (auto& file : m_files) {
      if (const auto it = sizes.find(file.old_oid); it != sizes.end()) {
        file.old_size = it->second;
      }
      if (const auto it = sizes.find(file.new_oid); it != sizes.end()) {
        file.new_size = it->second;
      }
      file.too_large = !file.submodule() && (file.old_size > m_max_file_size || file.new_size > m_max_file_size);
      if (file.too_large) {
        file.binary = false;
        file.added = -1;
        file.removed = -1;
      }
    }
  }

  void fill_attributes()
  {
    std::string paths;
    for (const auto& file : m_files) {
      paths += file.path;
      paths += '\0';
    }
    if (paths.empty()) {
      return;
    }
    util::RunRequest request;
    request.argv = {"git", "check-attr", "-z", "--stdin", "linguist-generated", "diff"};
    request.stdin_data = std::move(paths);
    request.env = m_env;
    request.cwd = m_cwd;
    const auto result = m_runner.run(request);
    if (!result.succeeded()) {
      return; // attributes are a refinement; a bare repository without a work tree has none
    }
    std::map<std::string_view, std::size_t> index;
    for (std::size_t i = 0; i < m_files.size(); ++i) {
      index.emplace(m_files[i].path, i);
    }
    // path NUL attribute NUL value NUL ...
    const auto fields = util::split(result.out, '\0');
    for (std::size_t i = 0; i + 2 < fields.size(); i += 3) {
      const auto it = index.find(fields[i]);
      if (it == index.end()) {
        continue;
      }
      FileChange& file = m_files[it->second];
      if (fields[i + 1] == "linguist-generated") {
        file.generated = fields[i + 2] == "set" || util::to_lower(fields[i + 2]) == "true";
      } else if (fields[i + 1] == "diff" && fields[i + 2] == "unset") {
        file.no_diff = true;
        if (!file.too_large) {
          file.binary = true;
          file.added = -1;
          file.removed = -1;
        }
      }
    }
  }

  util::Runner& m_runner;
  util::Environment m_env;
  fs::path m_cwd;
  std::size_t m_max_file_size;
  std::string m_base;
  std::vector<std::string> m_rename_flags;
  std::vector<FileChange> m_files;
};

} // namespace

std::unique_ptr<Repository>
open_with_cli(const OpenRequest& request)
{
  return std::make_unique<CliRepository>(request);
}

} // namespace cmtgen::git
