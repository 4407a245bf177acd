#include "git/attributes.hpp"

#include <catch2/catch.hpp>

using cmtgen::git::AttributeFile;
using cmtgen::git::Attributes;

namespace {

Attributes
top(const std::string& content)
{
  return Attributes({AttributeFile{"", content, true}});
}

} // namespace

TEST_CASE("linguist-generated is set by the bare name or by true", "[attributes]")
{
  const auto attributes = top("*.pb.go linguist-generated\nschema.json linguist-generated=true\n"
                              "docs/*.md linguist-generated=false\n");
  CHECK(attributes.lookup("api/service.pb.go").generated);
  CHECK(attributes.lookup("schema.json").generated);
  CHECK(attributes.lookup("sub/schema.json").generated);
  CHECK_FALSE(attributes.lookup("docs/readme.md").generated);
  CHECK_FALSE(attributes.lookup("main.go").generated);
}

TEST_CASE("diffs are turned off by -diff and by the binary macro, and back on by a later line", "[attributes]")
{
  const auto attributes = top("*.dat -diff\n*.png binary\nkeep.dat diff\n");
  CHECK(attributes.lookup("a/b.dat").no_diff);
  CHECK(attributes.lookup("logo.png").no_diff);
  CHECK_FALSE(attributes.lookup("keep.dat").no_diff);
  CHECK_FALSE(attributes.lookup("main.c").no_diff);
}

TEST_CASE("a pattern with a slash is anchored to its file's directory", "[attributes]")
{
  const auto attributes = top("/gen.c linguist-generated\nsrc/*.c -diff\n");
  CHECK(attributes.lookup("gen.c").generated);
  CHECK_FALSE(attributes.lookup("lib/gen.c").generated);
  CHECK(attributes.lookup("src/a.c").no_diff);
  CHECK_FALSE(attributes.lookup("src/deep/a.c").no_diff);
  CHECK_FALSE(attributes.lookup("lib/src/a.c").no_diff);
}

TEST_CASE("a directory pattern never applies to the files below it", "[attributes]")
{
  const auto attributes = top("vendor/ linguist-generated\nvendor/** -diff\n");
  CHECK_FALSE(attributes.lookup("vendor/lib.c").generated);
  CHECK(attributes.lookup("vendor/lib.c").no_diff);
}

TEST_CASE("a deeper .gitattributes beats a shallower one and applies only below itself", "[attributes]")
{
  const Attributes attributes({
    AttributeFile{"", "*.txt -diff\n", true},
    AttributeFile{"docs", "*.txt diff\nnotes.txt linguist-generated\n", false},
  });
  CHECK(attributes.lookup("a.txt").no_diff);
  CHECK_FALSE(attributes.lookup("docs/a.txt").no_diff);
  CHECK(attributes.lookup("docs/notes.txt").generated);
  CHECK_FALSE(attributes.lookup("notes.txt").generated);
  CHECK_FALSE(attributes.lookup("docsx/notes.txt").generated);
}

TEST_CASE("info/attributes, read last, beats every .gitattributes", "[attributes]")
{
  const Attributes attributes({
    AttributeFile{"", "*.c -diff\n", true},
    AttributeFile{"src", "*.c -diff\n", false},
    AttributeFile{"", "*.c diff\n", true},
  });
  CHECK_FALSE(attributes.lookup("src/a.c").no_diff);
}

TEST_CASE("macros come from the top file only, and expand to their attributes", "[attributes]")
{
  const Attributes attributes({
    AttributeFile{"", "[attr]generated linguist-generated -diff\n*.gen generated\n", true},
    AttributeFile{"sub", "[attr]quiet -diff\n*.q quiet\n", false},
  });
  CHECK(attributes.lookup("x.gen").generated);
  CHECK(attributes.lookup("x.gen").no_diff);
  CHECK_FALSE(attributes.lookup("sub/x.q").no_diff);
}

TEST_CASE("comments, blank lines, negative patterns and quoted patterns", "[attributes]")
{
  const auto attributes = top("# a comment\n\n!*.c -diff\n\"with space.txt\" -diff\n");
  CHECK_FALSE(attributes.lookup("a.c").no_diff);
  CHECK(attributes.lookup("with space.txt").no_diff);
}

TEST_CASE("no attributes files means nothing is set", "[attributes]")
{
  const Attributes attributes;
  CHECK(attributes.empty());
  CHECK_FALSE(attributes.lookup("anything").generated);
  CHECK_FALSE(attributes.lookup("anything").no_diff);
}
