#include "git/line_counts.hpp"

#include "git/handles.hpp"
#include "util/log.hpp"

#include <atomic>
#include <thread>

namespace cmtgen::git {

namespace fs = std::filesystem;

namespace {

// Below this many files a second thread costs more than it saves.
constexpr std::size_t k_files_per_thread = 24;

class Counter
{
public:
  Counter(const fs::path& git_dir, std::size_t max_size)
    : m_max_size(max_size)
  {
    git_repository* repo = nullptr;
    check(git_repository_open_ext(&repo, git_dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr),
          "opening the repository");
    m_repo.reset(repo);
    git_odb* odb = nullptr;
    check(git_repository_odb(&odb, m_repo.get()), "opening the object database");
    m_odb.reset(odb);
  }

  void count(FileChange& file)
  {
    const bool has_old = !file.old_oid.empty();
    const bool has_new = !file.new_oid.empty();
    git_oid old_id{};
    git_oid new_id{};
    if ((has_old && git_oid_fromstr(&old_id, file.old_oid.c_str()) < 0) ||
        (has_new && git_oid_fromstr(&new_id, file.new_oid.c_str()) < 0)) {
      return;
    }
    file.old_size = has_old ? header_size(old_id) : 0;
    // The new side is usually a loose object just written by `git add`: the index already
    // knows its size, so a second read of the object just for its header is skipped.
    const std::uint64_t new_hint = file.new_size;
    file.new_size = !has_new ? 0 : new_hint > 0 && new_hint <= m_max_size ? new_hint : header_size(new_id);
    file.too_large = file.old_size > m_max_size || file.new_size > m_max_size;
    if (file.too_large || file.no_diff) {
      file.binary = file.no_diff && !file.too_large;
      return;
    }
    handle::Blob old_blob = has_old ? lookup(old_id) : handle::Blob();
    handle::Blob new_blob = has_new ? lookup(new_id) : handle::Blob();
    if ((has_old && !old_blob) || (has_new && !new_blob)) {
      return;
    }
    if (new_blob) {
      file.new_size = static_cast<std::uint64_t>(git_blob_rawsize(new_blob.get()));
    }
    // git's rule, as libgit2 applies it: a NUL byte in the first 8000 bytes.
    file.binary = (old_blob && git_blob_is_binary(old_blob.get())) || (new_blob && git_blob_is_binary(new_blob.get()));
    if (file.binary) {
      return;
    }
    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    options.flags = GIT_DIFF_FORCE_TEXT;
    git_patch* raw = nullptr;
    // From buffers, without a repository: with one, libgit2 looks up the diff driver's
    // attributes for every file (a dozen file system calls each); cmtgen resolved the
    // attributes it needs already.
    const auto content = [](const handle::Blob& blob) {
      return blob ? static_cast<const char*>(git_blob_rawcontent(blob.get())) : nullptr;
    };
    const auto length = [](const handle::Blob& blob) {
      return blob ? static_cast<std::size_t>(git_blob_rawsize(blob.get())) : std::size_t{0};
    };
    if (git_patch_from_buffers(&raw, content(old_blob), length(old_blob), nullptr, content(new_blob), length(new_blob),
                               nullptr, &options) < 0) {
      return;
    }
    handle::Patch patch(raw);
    std::size_t context = 0;
    std::size_t additions = 0;
    std::size_t deletions = 0;
    if (git_patch_line_stats(&context, &additions, &deletions, patch.get()) == 0) {
      file.added = static_cast<std::int64_t>(additions);
      file.removed = static_cast<std::int64_t>(deletions);
    }
  }

private:
  std::uint64_t header_size(const git_oid& id)
  {
    std::size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    return git_odb_read_header(&size, &type, m_odb.get(), &id) < 0 ? 0 : size;
  }

  handle::Blob lookup(const git_oid& id)
  {
    git_blob* blob = nullptr;
    return git_blob_lookup(&blob, m_repo.get(), &id) < 0 ? handle::Blob() : handle::Blob(blob);
  }

  handle::Repository m_repo;
  handle::Odb m_odb;
  std::size_t m_max_size;
};

void
work(const fs::path& git_dir, std::vector<FileChange>& files, std::size_t max_size, std::atomic<std::size_t>& next)
{
  try {
    Counter counter(git_dir, max_size);
    for (std::size_t i = next++; i < files.size(); i = next++) {
      if (!files[i].submodule()) {
        counter.count(files[i]);
      }
    }
  } catch (const std::exception& e) {
    CMTGEN_LOG("counting lines: {}", e.what());
  }
}

} // namespace

void
count_lines(const fs::path& git_dir, std::vector<FileChange>& files, std::size_t max_size)
{
  library();
  std::atomic<std::size_t> next = 0;
  const bool threaded = (git_libgit2_features() & GIT_FEATURE_THREADS) != 0 && files.size() >= 2 * k_files_per_thread &&
                        std::thread::hardware_concurrency() > 1;
  std::thread helper;
  if (threaded) {
    helper = std::thread([&] { work(git_dir, files, max_size, next); });
  }
  work(git_dir, files, max_size, next);
  if (helper.joinable()) {
    helper.join();
  }
}

} // namespace cmtgen::git
