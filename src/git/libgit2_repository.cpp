// The libgit2 reader: the fast path, in-process.
#include "error.hpp"
#include "git/handles.hpp"
#include "git/readers.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <array>
#include <system_error>

namespace cmtgen::git {

namespace fs = std::filesystem;

namespace {

std::string
oid_hex(const git_oid& oid)
{
  std::array<char, GIT_OID_HEXSZ + 1> buffer{};
  git_oid_tostr(buffer.data(), buffer.size(), &oid);
  return buffer.data();
}

fs::path
absolute_from(const fs::path& cwd, const std::string& path)
{
  return fs::path(path).is_absolute() ? fs::path(path) : (cwd / path).lexically_normal();
}

Status
to_status(git_delta_t delta)
{
  switch (delta) {
  case GIT_DELTA_ADDED: return Status::added;
  case GIT_DELTA_DELETED: return Status::deleted;
  case GIT_DELTA_RENAMED: return Status::renamed;
  case GIT_DELTA_COPIED: return Status::copied;
  case GIT_DELTA_TYPECHANGE: return Status::type_changed;
  default: return Status::modified;
  }
}

std::string
level_name(git_config_level_t level)
{
  switch (level) {
  case GIT_CONFIG_LEVEL_SYSTEM: return "system config";
  case GIT_CONFIG_LEVEL_XDG: return "XDG config";
  case GIT_CONFIG_LEVEL_GLOBAL: return "global config";
  case GIT_CONFIG_LEVEL_LOCAL: return "local config";
  case GIT_CONFIG_LEVEL_APP: return "worktree config";
  default: return "config";
  }
}

bool
is_file(const fs::path& path)
{
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// The config files git itself would read, each at its level. libgit2 1.5.1 has no worktree
// level and ignores GIT_CONFIG_GLOBAL/GIT_CONFIG_SYSTEM/GIT_CONFIG_NOSYSTEM, so the set is
// assembled here. `repo` (may be null) makes includeIf conditions work.
handle::Config
open_config(const util::Environment& env, git_repository* repo, const fs::path& common_dir, const fs::path& git_dir)
{
  git_config* raw = nullptr;
  check(git_config_new(&raw), "creating a config");
  handle::Config config(raw);

  auto add = [&](const fs::path& path, git_config_level_t level) {
    if (path.empty() || !is_file(path)) {
      return;
    }
    check(git_config_add_file_ondisk(config.get(), path.c_str(), level, repo, 0),
          fmt::format("reading {}", path.string()));
  };
  auto found = [](int (*find)(git_buf*)) {
    git_buf buf = GIT_BUF_INIT;
    fs::path path;
    if (find(&buf) == 0) {
      path = buf.ptr;
    }
    git_buf_dispose(&buf);
    return path;
  };

  if (!env.has_value("GIT_CONFIG_NOSYSTEM") || !parse_bool(*env.get("GIT_CONFIG_NOSYSTEM")).value_or(false)) {
    const auto system = env.get("GIT_CONFIG_SYSTEM");
    add(system ? fs::path(*system) : found(git_config_find_system), GIT_CONFIG_LEVEL_SYSTEM);
  }
  if (const auto global = env.get("GIT_CONFIG_GLOBAL")) {
    add(*global, GIT_CONFIG_LEVEL_GLOBAL);
  } else {
    add(found(git_config_find_xdg), GIT_CONFIG_LEVEL_XDG);
    add(found(git_config_find_global), GIT_CONFIG_LEVEL_GLOBAL);
  }
  if (!common_dir.empty()) {
    add(common_dir / "config", GIT_CONFIG_LEVEL_LOCAL);
    int worktree_config = 0;
    if (git_config_get_bool(&worktree_config, config.get(), "extensions.worktreeconfig") == 0
        && worktree_config) {
      add(git_dir / "config.worktree", GIT_CONFIG_LEVEL_APP);
    }
  }
  return config;
}

std::vector<ConfigEntry>
read_entries(git_config* config, const util::Environment& env, const std::vector<std::string>& prefixes)
{
  struct Leveled
  {
    git_config_level_t level;
    ConfigEntry entry;
  };
  std::vector<Leveled> found;
  git_config_iterator* raw = nullptr;
  check(git_config_iterator_glob_new(&raw, config, prefixes_regex(prefixes).c_str()), "reading config");
  handle::ConfigIterator iterator(raw);
  git_config_entry* entry = nullptr;
  while (git_config_next(&entry, iterator.get()) == 0) {
    found.push_back({entry->level, {entry->name, entry->value ? entry->value : "true", level_name(entry->level)}});
  }
  // libgit2 visits the highest level first; precedence wants the lowest first.
  std::stable_sort(found.begin(), found.end(), [](const Leveled& a, const Leveled& b) { return a.level < b.level; });
  std::vector<ConfigEntry> entries;
  entries.reserve(found.size());
  for (auto& item : found) {
    entries.push_back(std::move(item.entry));
  }
  for (auto& override_entry : config_from_environment(env)) {
    if (matches_prefixes(override_entry.key, prefixes)) {
      entries.push_back(std::move(override_entry));
    }
  }
  return entries;
}

// Splits a printed patch into its header and whole hunks while staying within a byte limit:
// a hunk that would cross the limit is dropped and printing stops, so a large file costs
// only what the budget can hold. The first hunk is the exception: it is kept in part (up to
// a line past the limit) so the caller can still show the start of a file with one huge hunk.
class HunkCollector
{
public:
  HunkCollector(FilePatch& out, std::size_t limit) : m_out(out), m_limit(limit) {}

  int add(const git_diff_line& line)
  {
    const std::string_view content(line.content, line.content_len);
    if (line.origin == GIT_DIFF_LINE_FILE_HDR || line.origin == GIT_DIFF_LINE_BINARY) {
      m_out.header.append(content);
      return 0;
    }
    if (line.origin == GIT_DIFF_LINE_HUNK_HDR) {
      if (!m_out.hunks.empty()) {
        m_used += m_out.hunks.back().size();
      }
      m_out.hunks.emplace_back(content);
      return over_limit() ? stop() : 0;
    }
    if (m_out.hunks.empty()) {
      m_out.header.append(content);
      return 0;
    }
    std::string& hunk = m_out.hunks.back();
    if (line.origin == GIT_DIFF_LINE_CONTEXT || line.origin == GIT_DIFF_LINE_ADDITION
        || line.origin == GIT_DIFF_LINE_DELETION) {
      hunk += line.origin;
    }
    hunk.append(content);
    return over_limit() ? stop() : 0;
  }

private:
  bool over_limit() const { return m_used + m_out.hunks.back().size() > m_limit; }

  int stop()
  {
    if (m_out.hunks.size() > 1) {
      m_out.hunks.pop_back();
    }
    m_out.truncated = true;
    return 1; // any non-zero value makes git_patch_print stop
  }

  FilePatch& m_out;
  std::size_t m_limit;
  std::size_t m_used = 0;
};

// A patch and the blobs it may point into (git_patch_from_blobs does not copy them).
struct LoadedPatch
{
  handle::Blob old_blob;
  handle::Blob new_blob;
  handle::Patch patch;
};

class Libgit2Repository : public Repository
{
public:
  Libgit2Repository(handle::Repository repo, handle::Index index, const OpenRequest& request)
    : m_repo(std::move(repo)),
      m_index(std::move(index)),
      m_env(request.env),
      m_request(request),
      m_max_file_size(request.max_file_size)
  {
    m_git_dir = fs::path(git_repository_path(m_repo.get())).lexically_normal();
    m_common_dir = fs::path(git_repository_commondir(m_repo.get())).lexically_normal();
    if (const char* workdir = git_repository_workdir(m_repo.get())) {
      m_workdir = fs::path(workdir).lexically_normal();
    }
  }

  std::string_view reader() const override { return m_delegate ? m_delegate->reader() : "libgit2"; }

  Head head() override
  {
    Head head;
    git_reference* raw = nullptr;
    const int rc = git_repository_head(&raw, m_repo.get());
    handle::Reference ref(raw);
    if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND) {
      head.unborn = true;
      git_reference* symbolic = nullptr;
      if (git_reference_lookup(&symbolic, m_repo.get(), "HEAD") == 0) {
        handle::Reference holder(symbolic);
        if (const char* target = git_reference_symbolic_target(symbolic)) {
          head.branch = std::string_view(target).starts_with("refs/heads/") ? target + 11 : target;
        }
      }
      return head;
    }
    check(rc, "reading HEAD");
    head.detached = git_repository_head_detached(m_repo.get()) == 1;
    if (!head.detached) {
      head.branch = git_reference_shorthand(ref.get());
    }
    if (const git_oid* oid = git_reference_target(ref.get())) {
      head.oid = oid_hex(*oid);
    }
    return head;
  }

  std::vector<std::string> recent_subjects(std::size_t count) override
  {
    std::vector<std::string> subjects;
    git_revwalk* raw = nullptr;
    check(git_revwalk_new(&raw, m_repo.get()), "walking history");
    handle::Revwalk walk(raw);
    git_revwalk_simplify_first_parent(walk.get());
    if (git_revwalk_push_head(walk.get()) < 0) {
      return subjects; // unborn branch
    }
    git_oid oid;
    while (subjects.size() < count && git_revwalk_next(&oid, walk.get()) == 0) {
      git_commit* commit = nullptr;
      if (git_commit_lookup(&commit, m_repo.get(), &oid) < 0) {
        break;
      }
      handle::Commit holder(commit);
      if (const char* summary = git_commit_summary(commit)) {
        subjects.emplace_back(summary);
      }
    }
    return subjects;
  }

  std::string head_message() override
  {
    git_object* raw = nullptr;
    if (git_revparse_single(&raw, m_repo.get(), "HEAD") < 0) {
      return {};
    }
    handle::Object object(raw);
    const char* message = git_commit_message(reinterpret_cast<git_commit*>(raw));
    return message ? message : "";
  }

  std::vector<FileChange> staged(Base base, Renames renames) override
  {
    m_opened = std::chrono::steady_clock::now();
    handle::Tree tree = base_tree(base);

    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    options.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
    // Blobs above this size are never loaded: a 62 MB file cost 447 MB RSS without it.
    options.max_size = static_cast<git_off_t>(m_max_file_size);
    git_diff* raw = nullptr;
    check(git_diff_tree_to_index(&raw, m_repo.get(), tree.get(), m_index.get(), &options),
          "comparing HEAD with the index");
    m_diff.reset(raw);

    if (renames != Renames::off && has_large_rename_candidate(renames == Renames::copies)) {
      // libgit2's rename search loads whole blobs ("TODO: add max size threshold"); git's
      // does not. This rare change goes to git so memory stays bounded and renames match.
      CMTGEN_LOG("libgit2: a rename candidate is larger than {} bytes; reading the change with git",
                 m_max_file_size);
      m_diff.reset();
      m_delegate = open_with_cli(m_request);
      return m_delegate->staged(base, renames);
    }
    git_diff_find_options find = GIT_DIFF_FIND_OPTIONS_INIT;
    find.flags = renames == Renames::copies ? GIT_DIFF_FIND_RENAMES | GIT_DIFF_FIND_COPIES : GIT_DIFF_FIND_RENAMES;
    const auto diffed = std::chrono::steady_clock::now();
    if (renames != Renames::off) {
      check(git_diff_find_similar(m_diff.get(), &find), "finding renames");
    }
    const auto similar = std::chrono::steady_clock::now();
    CMTGEN_LOG("libgit2: diff {} ms, renames {} ms", std::chrono::duration_cast<std::chrono::milliseconds>(diffed - m_opened).count(),
               std::chrono::duration_cast<std::chrono::milliseconds>(similar - diffed).count());

    const std::size_t count = git_diff_num_deltas(m_diff.get());
    std::vector<FileChange> files;
    files.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      files.push_back(describe(i));
    }
    CMTGEN_LOG("libgit2: {} files described in {} ms", count, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - similar).count());
    return files;
  }

  FilePatch patch(std::size_t index, std::size_t limit) override
  {
    if (m_delegate) {
      return m_delegate->patch(index, limit);
    }
    FilePatch result;
    if (!m_diff || index >= git_diff_num_deltas(m_diff.get())) {
      return result;
    }
    LoadedPatch loaded = make_patch(index);
    if (!loaded.patch) {
      return result;
    }

    HunkCollector collector(result, limit);
    const int rc = git_patch_print(
      loaded.patch.get(),
      [](const git_diff_delta*, const git_diff_hunk*, const git_diff_line* line, void* payload) {
        return static_cast<HunkCollector*>(payload)->add(*line);
      },
      &collector);
    if (rc < 0) {
      check(rc, "printing a patch");
    }
    return result;
  }

  std::vector<ConfigEntry> config(const std::vector<std::string>& prefixes) override
  {
    handle::Config config = open_config(m_env, m_repo.get(), m_common_dir, m_git_dir);
    return read_entries(config.get(), m_env, prefixes);
  }

private:
  LoadedPatch make_patch(std::size_t index)
  {
    LoadedPatch loaded;
    const git_diff_delta* delta = git_diff_get_delta(m_diff.get(), index);
    git_patch* raw = nullptr;
    // libgit2 gives a type change (file <-> symlink) no hunks; git shows the content change.
    if (delta->status == GIT_DELTA_TYPECHANGE && delta->old_file.mode != GIT_FILEMODE_COMMIT
        && delta->new_file.mode != GIT_FILEMODE_COMMIT && blob_size(delta->old_file.id) <= m_max_file_size
        && blob_size(delta->new_file.id) <= m_max_file_size) {
      git_blob* old_blob = nullptr;
      git_blob* new_blob = nullptr;
      check(git_blob_lookup(&old_blob, m_repo.get(), &delta->old_file.id), "reading a blob");
      loaded.old_blob.reset(old_blob);
      check(git_blob_lookup(&new_blob, m_repo.get(), &delta->new_file.id), "reading a blob");
      loaded.new_blob.reset(new_blob);
      git_diff_options options = GIT_DIFF_OPTIONS_INIT;
      options.max_size = static_cast<git_off_t>(m_max_file_size);
      check(git_patch_from_blobs(&raw, old_blob, delta->old_file.path, new_blob, delta->new_file.path, &options),
            "building a patch");
    } else {
      check(git_patch_from_diff(&raw, m_diff.get(), index), "building a patch");
    }
    loaded.patch.reset(raw);
    return loaded;
  }

  // The size of a blob from its header: the content is not inflated.
  std::uint64_t blob_size(const git_oid& oid)
  {
    if (!m_odb) {
      git_odb* raw = nullptr;
      check(git_repository_odb(&raw, m_repo.get()), "opening the object database");
      m_odb.reset(raw);
    }
    std::size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&size, &type, m_odb.get(), &oid) < 0) {
      return 0;
    }
    return size;
  }

  // Whether rename (or copy) detection would have to compare a blob above the size limit:
  // an added file with a possible source (a deleted file; with copies, also a modified one).
  bool has_large_rename_candidate(bool copies)
  {
    bool added = false;
    bool source = false;
    bool large = false;
    const std::size_t count = git_diff_num_deltas(m_diff.get());
    for (std::size_t i = 0; i < count; ++i) {
      const git_diff_delta* delta = git_diff_get_delta(m_diff.get(), i);
      if (delta->status == GIT_DELTA_ADDED) {
        added = true;
        large = large || static_cast<std::uint64_t>(delta->new_file.size) > m_max_file_size;
      } else if (delta->status == GIT_DELTA_DELETED || (copies && delta->status == GIT_DELTA_MODIFIED)) {
        source = true;
        large = large || blob_size(delta->old_file.id) > m_max_file_size;
      }
    }
    return added && source && large;
  }

  handle::Tree base_tree(Base base)
  {
    const char* spec = base == Base::head ? "HEAD^{tree}" : "HEAD^^{tree}";
    git_object* raw = nullptr;
    const int rc = git_revparse_single(&raw, m_repo.get(), spec);
    if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) {
      return handle::Tree(); // unborn branch, or the root commit's missing parent: diff from nothing
    }
    check(rc, fmt::format("reading {}", spec));
    return handle::Tree(reinterpret_cast<git_tree*>(raw));
  }

  FileChange describe(std::size_t index)
  {
    const git_diff_delta* delta = git_diff_get_delta(m_diff.get(), index);
    FileChange file;
    file.status = to_status(delta->status);
    file.path = delta->new_file.path;
    file.old_path = delta->old_file.path;
    file.similarity = file.status == Status::renamed || file.status == Status::copied ? delta->similarity : 0;
    file.old_mode = delta->old_file.mode;
    file.new_mode = delta->new_file.mode;
    if (delta->old_file.flags & GIT_DIFF_FLAG_EXISTS) {
      file.old_oid = oid_hex(delta->old_file.id);
    }
    if (delta->new_file.flags & GIT_DIFF_FLAG_EXISTS) {
      file.new_oid = oid_hex(delta->new_file.id);
    }
    if (file.submodule()) {
      return file;
    }
    read_attributes(file);

    // The patch loads both blobs (below max_size) and counts lines; it is freed at once so
    // memory stays flat however many files changed.
    LoadedPatch made;
    try {
      made = make_patch(index);
    } catch (const Error& e) {
      CMTGEN_LOG("no patch for {}: {}", file.path, e.what());
    }
    if (made.patch) {
      const handle::Patch& patch = made.patch;
      const git_diff_delta* loaded = git_patch_get_delta(patch.get());
      file.old_size = static_cast<std::uint64_t>(loaded->old_file.size);
      file.new_size = static_cast<std::uint64_t>(loaded->new_file.size);
      file.too_large = file.old_size > m_max_file_size || file.new_size > m_max_file_size;
      file.binary = !file.too_large && (loaded->flags & GIT_DIFF_FLAG_BINARY) != 0;
      if (!file.binary && !file.too_large) {
        std::size_t context = 0;
        std::size_t additions = 0;
        std::size_t deletions = 0;
        if (git_patch_line_stats(&context, &additions, &deletions, patch.get()) == 0) {
          file.added = static_cast<std::int64_t>(additions);
          file.removed = static_cast<std::int64_t>(deletions);
        }
      }
    }
    if (file.no_diff && !file.too_large) {
      file.binary = true;
    }
    if (file.binary) {
      file.added = -1;
      file.removed = -1;
    }
    return file;
  }

  void read_attributes(FileChange& file)
  {
    std::array<const char*, 2> names = {"linguist-generated", "diff"};
    std::array<const char*, 2> values{};
    if (git_attr_get_many(values.data(), m_repo.get(), 0, file.path.c_str(), names.size(), names.data()) < 0) {
      return;
    }
    const auto generated = git_attr_value(values[0]);
    file.generated = generated == GIT_ATTR_VALUE_TRUE
                     || (generated == GIT_ATTR_VALUE_STRING && util::to_lower(values[0]) == "true");
    file.no_diff = git_attr_value(values[1]) == GIT_ATTR_VALUE_FALSE;
  }

  handle::Repository m_repo;
  handle::Index m_index;
  handle::Diff m_diff;
  handle::Odb m_odb;
  std::chrono::steady_clock::time_point m_opened;
  util::Environment m_env;
  OpenRequest m_request;
  std::unique_ptr<Repository> m_delegate; // the git CLI reader, for changes libgit2 reads badly
  std::size_t m_max_file_size;
};

void
readable(int rc, std::string_view what)
{
  if (rc < 0) {
    const git_error* error = git_error_last();
    throw Unreadable(fmt::format("{}: {}", what, error && error->message ? error->message : "unknown libgit2 error"));
  }
}

} // namespace

std::unique_ptr<Repository>
open_with_libgit2(const OpenRequest& request)
{
  library();
  if (request.trust_ownership) {
    // git checked safe.directory before running the hook; libgit2 would refuse a
    // foreign-owned repository that git accepted through safe.directory=*.
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
  }

  git_repository* raw_repo = nullptr;
  const auto git_dir = request.env.get("GIT_DIR");
  if (git_dir && !git_dir->empty()) {
    const fs::path path = absolute_from(request.cwd, *git_dir);
    readable(git_repository_open_ext(&raw_repo, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr),
             fmt::format("opening the repository at {}", path.string()));
  } else {
    const auto ceiling = request.env.get("GIT_CEILING_DIRECTORIES");
    const unsigned flags = request.env.has_value("GIT_DISCOVERY_ACROSS_FILESYSTEM") ? GIT_REPOSITORY_OPEN_CROSS_FS : 0;
    const int rc = git_repository_open_ext(&raw_repo, request.cwd.c_str(), flags, ceiling ? ceiling->c_str() : nullptr);
    if (rc == GIT_ENOTFOUND) {
      throw Error(Failure::git, fmt::format("not a git repository (or any parent up to /): {}", request.cwd.string()));
    }
    readable(rc, "opening the repository");
  }
  handle::Repository repo(raw_repo);

  // libgit2's GIT_REPOSITORY_OPEN_FROM_ENV refuses GIT_WORK_TREE ("unimplemented"); the
  // work tree only matters here for .gitattributes.
  if (const auto work_tree = request.env.get("GIT_WORK_TREE"); work_tree && !work_tree->empty()) {
    const fs::path path = absolute_from(request.cwd, *work_tree);
    check(git_repository_set_workdir(repo.get(), path.c_str(), 0), "setting the work tree");
  }

  git_index* raw_index = nullptr;
  const auto index_file = request.env.get("GIT_INDEX_FILE");
  if (index_file && !index_file->empty()) {
    const fs::path path = absolute_from(request.cwd, *index_file);
    // git_index_open on a missing path gives an EMPTY index: everything would look deleted.
    if (!is_file(path)) {
      throw Error(Failure::git, fmt::format("GIT_INDEX_FILE {} does not exist", path.string()));
    }
    readable(git_index_open(&raw_index, path.c_str()), fmt::format("reading the index {}", path.string()));
  } else {
    readable(git_repository_index(&raw_index, repo.get()), "reading the index");
  }
  handle::Index index(raw_index);

  // A sparse index stores whole directories as entries (mode 040000); libgit2 1.5.1 reads
  // the file but would report those directories as changes.
  const std::size_t entries = git_index_entrycount(index.get());
  for (std::size_t i = 0; i < entries; ++i) {
    if (git_index_get_byindex(index.get(), i)->mode == GIT_FILEMODE_TREE) {
      throw Unreadable("the index is a sparse index");
    }
  }
  return std::make_unique<Libgit2Repository>(std::move(repo), std::move(index), request);
}

std::vector<ConfigEntry>
global_config(const util::Environment& env, const std::vector<std::string>& prefixes)
{
  library();
  handle::Config config = open_config(env, nullptr, {}, {});
  return read_entries(config.get(), env, prefixes);
}

} // namespace cmtgen::git
