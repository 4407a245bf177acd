// The libgit2 reader: the fast path, in-process. libgit2 reads objects, references and
// config; the index and the HEAD-to-index comparison are cmtgen's own (index_file,
// tree_diff), because libgit2 1.5.1 compares every entry of a 100,000-file index where git
// skips unchanged directories through the cache tree.
#include "error.hpp"
#include "git/attributes.hpp"
#include "git/handles.hpp"
#include "git/index_file.hpp"
#include "git/line_counts.hpp"
#include "git/patch_text.hpp"
#include "git/readers.hpp"
#include "git/renames.hpp"
#include "git/tree_diff.hpp"
#include "util/file.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cstring>
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

void
readable(int rc, std::string_view what)
{
  if (rc < 0) {
    const git_error* error = git_error_last();
    throw Unreadable(fmt::format("{}: {}", what, error && error->message ? error->message : "unknown libgit2 error"));
  }
}

class Libgit2Repository : public Repository
{
public:
  Libgit2Repository(handle::Repository repo, IndexFile index, const OpenRequest& request)
    : m_repo(std::move(repo))
    , m_index(std::move(index))
    , m_env(request.env)
    , m_max_file_size(request.max_file_size)
  {
    m_git_dir = fs::path(git_repository_path(m_repo.get())).lexically_normal();
    m_common_dir = fs::path(git_repository_commondir(m_repo.get())).lexically_normal();
    // libgit2's GIT_REPOSITORY_OPEN_FROM_ENV refuses GIT_WORK_TREE ("unimplemented"), and
    // git_repository_set_workdir() loses a buffer in 1.5.1. The work tree only matters here
    // for .gitattributes, which cmtgen reads itself: it is kept here, not told to libgit2.
    if (const auto work_tree = request.env.get("GIT_WORK_TREE"); work_tree && !work_tree->empty()) {
      m_workdir = absolute_from(request.cwd, *work_tree).lexically_normal();
    } else if (const char* workdir = git_repository_workdir(m_repo.get())) {
      m_workdir = fs::path(workdir).lexically_normal();
    }
  }

  std::string_view reader() const override { return "libgit2"; }

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

  std::vector<FileChange> staged(Base base, Renames renames) override
  {
    const handle::Tree tree = base_tree(base);
    m_files = diff_tree_to_index(m_repo.get(), tree.get(), m_index);
    CMTGEN_LOG("HEAD compared with the index: {} changes", m_files.size());
    find_renames(m_repo.get(), m_files, renames, m_max_file_size);
    if (!m_files.empty()) {
      const Attributes attributes = load_attributes();
      for (auto& file : m_files) {
        const PathAttributes found = attributes.lookup(file.path);
        file.generated = found.generated;
        file.no_diff = found.no_diff;
      }
      count_lines(m_git_dir, m_files, m_max_file_size);
      CMTGEN_LOG("renames found, attributes read, lines counted");
    }
    return m_files;
  }

  FilePatch patch(std::size_t index, std::size_t limit) override
  {
    return index < m_files.size() ? file_patch(m_repo.get(), m_files[index], limit) : FilePatch{};
  }

  std::vector<ConfigEntry> config(const std::vector<std::string>& prefixes) override
  {
    return read_entries(config_files(), m_env, prefixes);
  }

private:
  Attributes load_attributes()
  {
    std::vector<AttributeFile> files;
    auto read = [](const fs::path& path) { return util::read_file(path, 4 * 1024 * 1024).take(); };
    fs::path global;
    try {
      git_buf buf = GIT_BUF_INIT;
      if (git_config_get_path(&buf, config_files(), "core.attributesfile") == 0) {
        global = buf.ptr;
      }
      git_buf_dispose(&buf);
    } catch (const Error&) {
    }
    if (global.empty()) {
      const auto xdg = m_env.get("XDG_CONFIG_HOME");
      global = xdg && !xdg->empty() ? fs::path(*xdg) / "git/attributes"
                                    : fs::path(m_env.get("HOME").value_or("")) / ".config/git/attributes";
    }
    if (auto content = read(global)) {
      files.push_back({"", std::move(*content), true});
    }

    std::vector<std::pair<std::string, git_oid>> found;
    for (const auto& entry : m_index.entries) {
      const std::string_view path = entry.path;
      if ((path == ".gitattributes" || path.ends_with("/.gitattributes")) && entry.stage == 0 &&
          attributes_entry_usable(entry.mode)) {
        git_oid id;
        std::memcpy(id.id, entry.oid.data(), entry.oid.size());
        found.emplace_back(entry.path, id);
      }
    }
    // Shallow before deep: a deeper file wins.
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return std::count(a.first.begin(), a.first.end(), '/') < std::count(b.first.begin(), b.first.end(), '/');
    });
    for (const auto& [path, id] : found) {
      const auto slash = path.rfind('/');
      const std::string directory = slash == std::string::npos ? "" : path.substr(0, slash);
      std::optional<std::string> content;
      if (!m_workdir.empty()) {
        content = read_worktree_attributes(m_workdir / path);
      }
      if (!content) {
        git_blob* blob = nullptr;
        if (git_blob_lookup(&blob, m_repo.get(), &id) == 0) {
          handle::Blob holder(blob);
          content = std::string(static_cast<const char*>(git_blob_rawcontent(blob)),
                                static_cast<std::size_t>(git_blob_rawsize(blob)));
        }
      }
      if (content) {
        files.push_back({directory, std::move(*content), directory.empty()});
      }
    }
    if (auto content = read(m_common_dir / "info/attributes")) {
      files.push_back({"", std::move(*content), true});
    }
    return Attributes(files);
  }

  // The config levels, read once for the settings and again for core.attributesFile.
  git_config* config_files()
  {
    if (!m_config) {
      m_config = open_config(m_env, m_repo.get(), m_common_dir, m_git_dir);
    }
    return m_config.get();
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

  handle::Repository m_repo;
  IndexFile m_index;
  util::Environment m_env;
  handle::Config m_config;
  std::size_t m_max_file_size;
  std::vector<FileChange> m_files;
};

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
  CMTGEN_LOG("libgit2: repository open");
  {
    // libgit2 refuses what git accepts in HEAD, such as a branch name over 1024 bytes: then
    // git reads the repository.
    git_reference* raw_head = nullptr;
    const int rc = git_repository_head(&raw_head, repo.get());
    const handle::Reference head(raw_head);
    if (rc != GIT_EUNBORNBRANCH && rc != GIT_ENOTFOUND) {
      readable(rc, "reading HEAD");
    }
  }

  IndexFile index;
  const auto index_file = request.env.get("GIT_INDEX_FILE");
  if (index_file && !index_file->empty()) {
    const fs::path path = absolute_from(request.cwd, *index_file);
    // A missing index would read as an empty one: everything would look deleted.
    if (!util::is_regular_file(path)) {
      throw Error(Failure::git, fmt::format("GIT_INDEX_FILE {} does not exist", path.string()));
    }
    index = read_index(path);
  } else if (const fs::path path = fs::path(git_repository_path(repo.get())) / "index"; util::is_regular_file(path)) {
    index = read_index(path);
  } // else: nothing was ever added; an empty index is the truth
  CMTGEN_LOG("index read ({} entries)", index.entries.size());
  return std::make_unique<Libgit2Repository>(std::move(repo), std::move(index), request);
}

} // namespace cmtgen::git
