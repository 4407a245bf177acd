#pragma once

#include "git/change.hpp"

#include <string>
#include <vector>

namespace cmtgen::backend {

// A deterministic draft from the change model alone: a subject that names the main change
// (at most 72 characters) and a body listing the files with their line counts. Pure.
std::string offline_message(const std::vector<git::FileChange>& files);

} // namespace cmtgen::backend
