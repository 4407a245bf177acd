#pragma once

// A small rotating log of hook runs under <common git dir>/cmtgen/, so failures of
// headless commits (GUI clients, scripts, CI) cannot go unnoticed: `cmtgen doctor` shows
// the recent ones.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace cmtgen::runlog {

struct Entry
{
  std::string time;    // ISO 8601, UTC
  std::string source;  // the hook's $2, "-" for a plain commit
  std::string outcome; // "written", "nothing-staged", "failed", "fallback"
  std::string failure; // failure class when failed, else "-"
  std::chrono::milliseconds elapsed{0};
  std::string detail; // one line
};

// Appends one line; rotates the file at about 64 KiB (one old generation is kept). Never
// throws: a log must not stop a commit.
void append(const std::filesystem::path& directory, const Entry& entry);

// The last `count` entries (oldest first) whose outcome is "failed" or "fallback".
std::vector<Entry> recent_failures(const std::filesystem::path& directory, std::size_t count);

std::string now_iso8601();

} // namespace cmtgen::runlog
