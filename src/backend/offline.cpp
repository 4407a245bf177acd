// backend=offline: no model at all. It serves a first run on a machine without a claude
// login and cmtgen.fallback=offline; it never pretends to be a model's answer.
#include "backend/offline.hpp"

#include "backend/backend.hpp"
#include "util/strings.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

namespace cmtgen::backend {

namespace {

constexpr std::size_t k_subject_max = 72;
constexpr std::size_t k_body_files = 30;

std::string
directory(const std::string& path)
{
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string
single_subject(const git::FileChange& file, bool short_names)
{
  // Quoted as git quotes them: a name with a newline must not add lines (trailers) of its own.
  const std::string path = util::c_quote(short_names ? util::basename(file.path) : file.path);
  const std::string old_path = util::c_quote(short_names ? util::basename(file.old_path) : file.old_path);
  if (file.submodule()) {
    return fmt::format("Update submodule {}", path);
  }
  switch (file.status) {
    case git::Status::added: return fmt::format("Add {}", path);
    case git::Status::deleted: return fmt::format("Remove {}", path);
    case git::Status::renamed: return fmt::format("Rename {} to {}", old_path, path);
    case git::Status::copied: return fmt::format("Copy {} to {}", old_path, path);
    case git::Status::type_changed:
      return fmt::format("Turn {} into a {}", path, file.new_mode == git::k_mode_link ? "symlink" : "regular file");
    case git::Status::modified: break;
  }
  if (file.mode_changed() && file.added <= 0 && file.removed <= 0) {
    return file.new_mode == git::k_mode_executable ? fmt::format("Make {} executable", path)
                                                   : fmt::format("Change the mode of {}", path);
  }
  return fmt::format("Update {}", path);
}

std::string
common_directory(const std::vector<git::FileChange>& files)
{
  std::string common = directory(files.front().path);
  for (const auto& file : files) {
    while (!common.empty() && !(file.path.starts_with(common + "/"))) {
      common = directory(common);
    }
  }
  return common;
}

std::string
many_subject(const std::vector<git::FileChange>& files)
{
  const auto all = [&](git::Status status) {
    return std::all_of(files.begin(), files.end(), [&](const auto& f) { return f.status == status; });
  };
  const char* verb = all(git::Status::added)     ? "Add"
                     : all(git::Status::deleted) ? "Remove"
                     : all(git::Status::renamed) ? "Move"
                                                 : "Update";
  const std::string common = common_directory(files);
  if (!common.empty()) {
    return fmt::format("{} {} files in {}", verb, files.size(), util::c_quote(common));
  }
  std::set<std::string> tops;
  for (const auto& file : files) {
    const auto slash = file.path.find('/');
    tops.insert(slash == std::string::npos ? "the top directory" : util::c_quote(file.path.substr(0, slash)));
  }
  if (tops.size() <= 3) {
    std::vector<std::string> names(tops.begin(), tops.end());
    std::string list = names.front();
    for (std::size_t i = 1; i < names.size(); ++i) {
      list += (i + 1 == names.size() ? " and " : ", ") + names[i];
    }
    return fmt::format("{} {} files in {}", verb, files.size(), list);
  }
  return fmt::format("{} {} files across {} directories", verb, files.size(), tops.size());
}

std::string
fit(std::string subject)
{
  if (subject.size() > k_subject_max) {
    std::size_t keep = k_subject_max - 3;
    while (keep > 0 && (static_cast<unsigned char>(subject[keep]) & 0xc0) == 0x80) {
      --keep; // never split a UTF-8 sequence
    }
    subject.resize(keep);
    subject += "...";
  }
  return subject;
}

class OfflineBackend : public Backend
{
public:
  Generation generate(const Request& request) override
  {
    const auto started = std::chrono::steady_clock::now();
    Generation generation;
    generation.backend = "offline";
    generation.model = "none (offline draft)";
    generation.credential_used = "none";
    if (!request.files || request.files->empty()) {
      generation.failure = Failure::nothing_staged;
      generation.diagnosis = "nothing staged";
      return generation;
    }
    generation.messages.push_back(offline_message(*request.files));
    generation.ok = true;
    generation.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return generation;
  }
};

} // namespace

std::string
offline_message(const std::vector<git::FileChange>& files)
{
  if (files.empty()) {
    return {};
  }
  std::string subject;
  if (files.size() == 1) {
    subject = single_subject(files.front(), false);
    if (subject.size() > k_subject_max) {
      subject = single_subject(files.front(), true);
    }
  } else if (files.size() <= 3) {
    // "Update greet.py and add test_greet.py": short enough to name each file.
    std::vector<std::string> parts;
    for (const auto& file : files) {
      std::string part = single_subject(file, true);
      if (!parts.empty()) {
        part[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(part[0])));
      }
      parts.push_back(std::move(part));
    }
    subject = parts.size() == 2 ? parts[0] + " and " + parts[1] : parts[0] + ", " + parts[1] + " and " + parts[2];
    if (subject.size() > k_subject_max) {
      subject = many_subject(files);
    }
  } else {
    subject = many_subject(files);
  }

  std::string body;
  std::int64_t added = 0;
  std::int64_t removed = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& file = files[i];
    added += std::max<std::int64_t>(file.added, 0);
    removed += std::max<std::int64_t>(file.removed, 0);
    if (i >= k_body_files) {
      continue;
    }
    const std::string name = file.status == git::Status::renamed || file.status == git::Status::copied
                               ? fmt::format("{} -> {}", util::c_quote(file.old_path), util::c_quote(file.path))
                               : util::c_quote(file.path);
    const std::string counts = file.added >= 0    ? fmt::format(" (+{} -{})", file.added, file.removed)
                               : file.submodule() ? " (submodule)"
                                                  : " (binary)";
    body += fmt::format("\n- {}: {}{}", git::status_name(file.status), name, counts);
  }
  if (files.size() > k_body_files) {
    body += fmt::format("\n- and {} more files", files.size() - k_body_files);
  }
  return fmt::format("{}\n\n{} file{} changed, +{} -{} lines:{}", fit(subject), files.size(),
                     files.size() == 1 ? "" : "s", added, removed, body);
}

std::unique_ptr<Backend>
make_offline_backend()
{
  return std::make_unique<OfflineBackend>();
}

} // namespace cmtgen::backend
