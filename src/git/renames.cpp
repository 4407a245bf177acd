#include "git/renames.hpp"

#include "git/handles.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <git2/sys/hashsig.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

namespace cmtgen::git {

namespace {

constexpr int k_threshold = 50;       // git's and libgit2's default rename score
constexpr std::size_t k_limit = 1000; // diff.renameLimit's default
constexpr std::size_t k_sniff = 8000; // git's binary check: a NUL in the first 8000 bytes

using Signature = std::unique_ptr<git_hashsig, Deleter<git_hashsig_free>>;

class Signatures
{
public:
  Signatures(git_repository* repo, std::size_t max_size)
    : m_repo(repo)
    , m_max_size(max_size)
  {
  }

  // The similarity signature of a blob, or null for binary, huge or unreadable blobs.
  const git_hashsig* get(const std::string& oid_hex)
  {
    const auto found = m_cache.find(oid_hex);
    if (found != m_cache.end()) {
      return found->second.get();
    }
    Signature signature = compute(oid_hex);
    return m_cache.emplace(oid_hex, std::move(signature)).first->second.get();
  }

private:
  Signature compute(const std::string& oid_hex)
  {
    git_oid id;
    if (oid_hex.empty() || git_oid_fromstr(&id, oid_hex.c_str()) < 0) {
      return {};
    }
    if (!m_odb) {
      git_odb* odb = nullptr;
      if (git_repository_odb(&odb, m_repo) < 0) {
        return {};
      }
      m_odb.reset(odb);
    }
    std::size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&size, &type, m_odb.get(), &id) < 0 || type != GIT_OBJECT_BLOB || size > m_max_size) {
      return {};
    }
    git_blob* raw = nullptr;
    if (git_blob_lookup(&raw, m_repo, &id) < 0) {
      return {};
    }
    const handle::Blob blob(raw);
    const auto* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
    const auto length = static_cast<std::size_t>(git_blob_rawsize(blob.get()));
    if (std::string_view(data, std::min(length, k_sniff)).find('\0') != std::string_view::npos) {
      return {};
    }
    git_hashsig* signature = nullptr;
    const auto options =
      static_cast<git_hashsig_option_t>(GIT_HASHSIG_SMART_WHITESPACE | GIT_HASHSIG_ALLOW_SMALL_FILES);
    if (git_hashsig_create(&signature, data, length, options) < 0) {
      return {};
    }
    return Signature(signature);
  }

  git_repository* m_repo;
  std::size_t m_max_size;
  handle::Odb m_odb;
  std::map<std::string, Signature, std::less<>> m_cache;
};

struct Pair
{
  std::size_t source;
  std::size_t target;
  int score;
};

void
become(FileChange& target, const FileChange& source, Status status, int score)
{
  target.status = status;
  target.old_path = source.path;
  target.old_mode = source.old_mode;
  target.old_oid = source.old_oid;
  target.similarity = score;
}

} // namespace

void
find_renames(git_repository* repo, std::vector<FileChange>& files, Renames mode, std::size_t max_size)
{
  if (mode == Renames::off) {
    return;
  }
  std::vector<std::size_t> deleted;
  std::vector<std::size_t> added;
  std::vector<std::size_t> modified;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files[i].submodule()) {
      continue;
    }
    switch (files[i].status) {
      case Status::deleted: deleted.push_back(i); break;
      case Status::added: added.push_back(i); break;
      case Status::modified: modified.push_back(i); break;
      default: break;
    }
  }
  if (added.empty() || (deleted.empty() && (mode != Renames::copies || modified.empty()))) {
    return;
  }

  std::vector<bool> gone(files.size(), false);   // deleted sources consumed by a rename
  std::vector<bool> paired(files.size(), false); // targets that found a source

  // Exact renames: the same object, preferring a source with the same file name.
  std::multimap<std::string_view, std::size_t> by_oid;
  for (const auto index : deleted) {
    by_oid.emplace(files[index].old_oid, index);
  }
  for (const auto target : added) {
    auto [begin, end] = by_oid.equal_range(files[target].new_oid);
    std::optional<std::size_t> best;
    for (auto it = begin; it != end; ++it) {
      if (!gone[it->second] &&
          (!best || util::basename(files[it->second].path) == util::basename(files[target].path))) {
        best = it->second;
      }
    }
    if (best) {
      gone[*best] = true;
      paired[target] = true;
      become(files[target], files[*best], Status::renamed, 100);
    }
  }

  // Similar content, best score first.
  std::vector<std::size_t> sources;
  for (const auto index : deleted) {
    if (!gone[index]) {
      sources.push_back(index);
    }
  }
  std::vector<std::size_t> targets;
  for (const auto index : added) {
    if (!paired[index]) {
      targets.push_back(index);
    }
  }
  Signatures signatures(repo, max_size);
  auto pairs_between = [&](const std::vector<std::size_t>& from, const std::vector<std::size_t>& to) {
    std::vector<Pair> pairs;
    if (from.empty() || to.empty() || from.size() * to.size() > k_limit * k_limit) {
      return pairs;
    }
    for (const auto target : to) {
      const git_hashsig* target_signature = signatures.get(files[target].new_oid);
      if (!target_signature) {
        continue;
      }
      for (const auto source : from) {
        const git_hashsig* source_signature = signatures.get(files[source].old_oid);
        if (!source_signature) {
          continue;
        }
        const int score = git_hashsig_compare(source_signature, target_signature);
        if (score >= k_threshold) {
          pairs.push_back({source, target, score});
        }
      }
    }
    std::stable_sort(pairs.begin(), pairs.end(), [&](const Pair& a, const Pair& b) {
      if (a.score != b.score) {
        return a.score > b.score;
      }
      return (util::basename(files[a.source].path) == util::basename(files[a.target].path)) >
             (util::basename(files[b.source].path) == util::basename(files[b.target].path));
    });
    return pairs;
  };
  for (const auto& pair : pairs_between(sources, targets)) {
    if (!gone[pair.source] && !paired[pair.target]) {
      gone[pair.source] = true;
      paired[pair.target] = true;
      become(files[pair.target], files[pair.source], Status::renamed, pair.score);
    }
  }

  if (mode == Renames::copies) {
    std::vector<std::size_t> copy_sources = modified;
    copy_sources.insert(copy_sources.end(), deleted.begin(), deleted.end());
    targets.clear();
    for (const auto index : added) {
      if (!paired[index]) {
        targets.push_back(index);
      }
    }
    // Exact copies first: the old content of a source is the new file.
    for (const auto target : targets) {
      for (const auto source : copy_sources) {
        if (files[source].old_oid == files[target].new_oid) {
          paired[target] = true;
          become(files[target], files[source], Status::copied, 100);
          files[target].old_path = files[source].path;
          break;
        }
      }
    }
    std::vector<std::size_t> rest;
    for (const auto index : targets) {
      if (!paired[index]) {
        rest.push_back(index);
      }
    }
    for (const auto& pair : pairs_between(copy_sources, rest)) {
      if (!paired[pair.target]) {
        paired[pair.target] = true;
        become(files[pair.target], files[pair.source], Status::copied, pair.score);
      }
    }
  }

  std::vector<FileChange> kept;
  kept.reserve(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!gone[i]) {
      kept.push_back(std::move(files[i]));
    }
  }
  files = std::move(kept);
}

} // namespace cmtgen::git
