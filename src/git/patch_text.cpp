#include "git/patch_text.hpp"

#include "git/handles.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

namespace cmtgen::git {

namespace {

// Splits libgit2's printed lines into whole hunks while staying within a byte limit: a
// hunk that would cross the limit is dropped and printing stops, so a large file costs only
// what the budget can hold.
class HunkCollector
{
public:
  HunkCollector(FilePatch& out, std::size_t limit)
    : m_out(out)
    , m_limit(limit)
  {
  }

  int add(const git_diff_line& line)
  {
    const std::string_view content(line.content, line.content_len);
    if (line.origin == GIT_DIFF_LINE_FILE_HDR || line.origin == GIT_DIFF_LINE_BINARY) {
      return 0; // the header is git's, written by file_patch()
    }
    if (line.origin == GIT_DIFF_LINE_HUNK_HDR) {
      if (!m_out.hunks.empty()) {
        m_used += m_out.hunks.back().size();
      }
      m_out.hunks.emplace_back(content);
      return over_limit() ? stop() : 0;
    }
    if (m_out.hunks.empty()) {
      return 0;
    }
    std::string& hunk = m_out.hunks.back();
    if (line.origin == GIT_DIFF_LINE_CONTEXT || line.origin == GIT_DIFF_LINE_ADDITION ||
        line.origin == GIT_DIFF_LINE_DELETION) {
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

std::string
side(std::string_view prefix, const std::string& path)
{
  return util::c_quote(std::string(prefix) + path);
}

std::string
header(const FileChange& file)
{
  std::string text = fmt::format("diff --git {} {}\n", side("a/", file.old_path), side("b/", file.path));
  const bool same_mode = file.old_mode == file.new_mode;
  switch (file.status) {
    case Status::added: text += fmt::format("new file mode {:06o}\n", file.new_mode); break;
    case Status::deleted: text += fmt::format("deleted file mode {:06o}\n", file.old_mode); break;
    case Status::renamed:
    case Status::copied: {
      const char* verb = file.status == Status::renamed ? "rename" : "copy";
      if (!same_mode) {
        text += fmt::format("old mode {:06o}\nnew mode {:06o}\n", file.old_mode, file.new_mode);
      }
      text += fmt::format("similarity index {}%\n{} from {}\n{} to {}\n", file.similarity, verb,
                          util::c_quote(file.old_path), verb, util::c_quote(file.path));
      break;
    }
    case Status::modified:
    case Status::type_changed:
      if (!same_mode) {
        text += fmt::format("old mode {:06o}\nnew mode {:06o}\n", file.old_mode, file.new_mode);
      }
      break;
  }
  if (file.old_oid == file.new_oid) {
    return text; // a pure rename or mode change: no content lines
  }
  const std::string old_id = file.old_oid.empty() ? "0000000" : file.old_oid.substr(0, 7);
  const std::string new_id = file.new_oid.empty() ? "0000000" : file.new_oid.substr(0, 7);
  const bool show_mode = same_mode && file.status != Status::added && file.status != Status::deleted;
  text += show_mode ? fmt::format("index {}..{} {:06o}\n", old_id, new_id, file.new_mode)
                    : fmt::format("index {}..{}\n", old_id, new_id);
  text += fmt::format("--- {}\n+++ {}\n", file.status == Status::added ? "/dev/null" : side("a/", file.old_path),
                      file.status == Status::deleted ? "/dev/null" : side("b/", file.path));
  return text;
}

handle::Blob
lookup(git_repository* repo, const std::string& oid_hex)
{
  git_oid id;
  if (oid_hex.empty() || git_oid_fromstr(&id, oid_hex.c_str()) < 0) {
    return {};
  }
  git_blob* blob = nullptr;
  check(git_blob_lookup(&blob, repo, &id), "reading a blob");
  return handle::Blob(blob);
}

} // namespace

FilePatch
file_patch(git_repository* repo, const FileChange& file, std::size_t limit)
{
  FilePatch result;
  result.header = header(file);
  if (file.old_oid == file.new_oid || file.submodule()) {
    return result;
  }
  const handle::Blob old_blob = lookup(repo, file.old_oid);
  const handle::Blob new_blob = lookup(repo, file.new_oid);
  const auto content = [](const handle::Blob& blob) {
    return blob ? static_cast<const char*>(git_blob_rawcontent(blob.get())) : nullptr;
  };
  const auto length = [](const handle::Blob& blob) {
    return blob ? static_cast<std::size_t>(git_blob_rawsize(blob.get())) : std::size_t{0};
  };
  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  options.flags = GIT_DIFF_FORCE_TEXT;
  git_patch* raw = nullptr;
  check(git_patch_from_buffers(&raw, content(old_blob), length(old_blob), nullptr, content(new_blob), length(new_blob),
                               nullptr, &options),
        "building a patch");
  const handle::Patch patch(raw);
  HunkCollector collector(result, limit);
  const int rc = git_patch_print(
    patch.get(),
    [](const git_diff_delta*, const git_diff_hunk*, const git_diff_line* line, void* payload) {
      return static_cast<HunkCollector*>(payload)->add(*line);
    },
    &collector);
  if (rc < 0) {
    check(rc, "printing a patch");
  }
  return result;
}

} // namespace cmtgen::git
