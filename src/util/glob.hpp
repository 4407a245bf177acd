#pragma once

#include <string_view>

namespace util {

// gitignore-style glob match of a repository-relative path ('/'-separated, no leading '/').
// The path is taken to name a file, so a directory pattern never matches the path itself.
//
// - A pattern without '/' matches the last path component ("*.lock", ".env*", "id_rsa*").
// - A pattern with '/' matches the whole path from the top ("docs/*.md"; a leading '/' only
//   anchors and is ignored).
// - A pattern ending in '/' names a directory and matches everything below it: "vendor/"
//   matches a directory component "vendor" at any depth ("vendor/x", "lib/vendor/y/z"),
//   "build/out/" (a '/' elsewhere) only "build/out/..." from the top.
// - '*' matches any run of characters and '?' one byte, neither crosses '/'; '*' matches a
//   leading '.' too ("*" matches ".env"). "**/" matches zero or more directories ("**/x",
//   "a/**/b" matches "a/b"), a trailing "/**" one or more components below ("a/**" matches
//   "a/b/c" but not "a"); any other "**" is a plain '*'.
// - "[abc]", "[a-z]", "[!a-z]" / "[^a-z]" match one byte from (or not from) a class; a '['
//   without a closing ']' is literal. '\' makes the next character literal.
// - Matching is case-sensitive and byte-wise: UTF-8 names match literally, '?' is one byte.
//   An empty pattern matches nothing; a leading '!' has no special meaning.
// Time is bounded by O(pattern size * path size); there is no exponential backtracking.
bool glob_match(std::string_view pattern, std::string_view path);

} // namespace util
