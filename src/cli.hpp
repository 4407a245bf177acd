#pragma once

namespace cmtgen::cli {

// The whole program: dispatch on argv (or on argv[0] == "prepare-commit-msg"), one
// top-level handler that turns cmtgen::Error into `cmtgen: error: <class>: ...` and an exit
// status. Never throws.
int main(int argc, char** argv);

} // namespace cmtgen::cli
