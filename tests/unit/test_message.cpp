#include "message.hpp"
#include "util/strings.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using cmtgen::message::analyze;
using cmtgen::message::clean_reply;
using cmtgen::message::commented;
using cmtgen::message::comments_are_stripped;
using cmtgen::message::fill_template;
using cmtgen::message::insert;
using cmtgen::message::insert_comments;
using cmtgen::message::Insertion;

using Messages = std::vector<std::string>;

namespace {

// What git 2.39 writes into COMMIT_EDITMSG before prepare-commit-msg runs (captured with an
// editor that copies the file).
constexpr std::string_view k_plain = "\n"
                                     "# Please enter the commit message for your changes. Lines starting\n"
                                     "# with '#' will be ignored, and an empty message aborts the commit.\n"
                                     "#\n"
                                     "# On branch main\n"
                                     "# Changes to be committed:\n"
                                     "#\tmodified:   a\n"
                                     "#\n";

constexpr std::string_view k_verbose = "\n"
                                       "# Please enter the commit message for your changes. Lines starting\n"
                                       "# with '#' will be ignored, and an empty message aborts the commit.\n"
                                       "#\n"
                                       "# On branch main\n"
                                       "# Changes to be committed:\n"
                                       "#\tmodified:   a\n"
                                       "#\n"
                                       "# ------------------------ >8 ------------------------\n"
                                       "# Do not modify or remove the line above.\n"
                                       "# Everything below it will be ignored.\n"
                                       "diff --git a/a b/a\n"
                                       "index 7898192..422c2b7 100644\n"
                                       "--- a/a\n"
                                       "+++ b/a\n"
                                       "@@ -1 +1,2 @@\n"
                                       " a\n"
                                       "+b\n";

constexpr std::string_view k_signoff = "\n"
                                       "\n"
                                       "Signed-off-by: T <t@e>\n"
                                       "\n"
                                       "# Please enter the commit message for your changes. Lines starting\n"
                                       "# with '#' will be ignored, and an empty message aborts the commit.\n"
                                       "#\n"
                                       "# On branch main\n"
                                       "# Changes to be committed:\n"
                                       "#\tmodified:   a\n"
                                       "#\n";

constexpr std::string_view k_semicolon = "\n"
                                         "; Please enter the commit message for your changes. Lines starting\n"
                                         "; with ';' will be ignored, and an empty message aborts the commit.\n"
                                         ";\n"
                                         "; On branch main\n"
                                         "; Changes to be committed:\n"
                                         ";\tmodified:   a\n"
                                         ";\n";

constexpr std::string_view k_scissors_percent = "% ------------------------ >8 ------------------------\n"
                                                "% Do not modify or remove the line above.\n"
                                                "% Everything below it will be ignored.\n"
                                                "diff --git a/a b/a\n";

std::string
first_line(std::string_view text)
{
  return std::string(text.substr(0, text.find('\n')));
}

} // namespace

// ---- clean_reply ---------------------------------------------------------------------------

TEST_CASE("a plain reply is returned as it is", "[message]")
{
  CHECK(clean_reply("Fix the parser\n\nIt dropped the last line.\n") ==
        Messages{"Fix the parser\n\nIt dropped the last line."});
}

TEST_CASE("a reply in a code fence is unwrapped, with or without a language tag", "[message]")
{
  CHECK(clean_reply("```\nFix the parser\n\nBody line\n```\n") == Messages{"Fix the parser\n\nBody line"});
  CHECK(clean_reply("```text\nFix the parser\n```") == Messages{"Fix the parser"});
  CHECK(clean_reply("```git-commit\nFix the parser\n\nBody\n```\n") == Messages{"Fix the parser\n\nBody"});
  CHECK(clean_reply("~~~\nFix the parser\n~~~") == Messages{"Fix the parser"});
  CHECK(clean_reply("  ```\nFix the parser\n  ```  \n") == Messages{"Fix the parser"});
}

TEST_CASE("a preamble before the message is dropped", "[message]")
{
  CHECK(clean_reply("Here is a commit message:\n\nFix the parser\n\nBody") == Messages{"Fix the parser\n\nBody"});
  CHECK(clean_reply("Sure! Here's a commit message for your change:\n\nAdd retries") == Messages{"Add retries"});
  CHECK(clean_reply("Here's the commit message:\nAdd retries") == Messages{"Add retries"});
  CHECK(clean_reply("Certainly! Here is the commit message:\n\nAdd retries") == Messages{"Add retries"});
  CHECK(clean_reply("Suggested commit message:\n\nAdd retries") == Messages{"Add retries"});
}

TEST_CASE("a preamble followed by a fenced message gives the fenced message", "[message]")
{
  CHECK(
    clean_reply("Here is a commit message:\n\n```\nFix the parser\n\nBody\n```\nLet me know if you want changes.") ==
    Messages{"Fix the parser\n\nBody"});
}

TEST_CASE("quotes around the whole message are removed", "[message]")
{
  CHECK(clean_reply("\"Fix the parser\"") == Messages{"Fix the parser"});
  CHECK(clean_reply("'Fix the parser'") == Messages{"Fix the parser"});
  CHECK(clean_reply("`Fix the parser`") == Messages{"Fix the parser"});
  CHECK(clean_reply("\u201cFix the parser\u201d") == Messages{"Fix the parser"});
  CHECK(clean_reply("\"Fix the parser\n\nBody\"\n") == Messages{"Fix the parser\n\nBody"});
}

TEST_CASE("quotes that are part of the message are kept", "[message]")
{
  CHECK(clean_reply("Rename \"foo\" to \"bar\"") == Messages{"Rename \"foo\" to \"bar\""});
  CHECK(clean_reply("\"Add\" and \"Remove\" buttons get icons") ==
        Messages{"\"Add\" and \"Remove\" buttons get icons"});
  CHECK(clean_reply("Don't crash on 'x'") == Messages{"Don't crash on 'x'"});
}

TEST_CASE("CRLF line ends and trailing spaces are removed", "[message]")
{
  CHECK(clean_reply("Fix the parser\r\n\r\nBody line\r\n") == Messages{"Fix the parser\n\nBody line"});
  CHECK(clean_reply("Fix the parser   \n\nBody line\t \n\n\n") == Messages{"Fix the parser\n\nBody line"});
  CHECK(clean_reply("\n\n  \nFix the parser\n") == Messages{"Fix the parser"});
}

TEST_CASE("a Markdown heading or bold subject keeps its words", "[message]")
{
  CHECK(clean_reply("# Fix the parser\n\nBody") == Messages{"Fix the parser\n\nBody"});
  CHECK(clean_reply("## Fix the parser") == Messages{"Fix the parser"});
  CHECK(clean_reply("**Fix the parser**\n\nBody") == Messages{"Fix the parser\n\nBody"});
  CHECK(clean_reply("Subject: Fix the parser\n\nBody") == Messages{"Fix the parser\n\nBody"});
}

TEST_CASE("alternatives are split on ===== lines when several were asked for", "[message]")
{
  CHECK(clean_reply("Fix a\n=====\nFix b\n\nBody b\n=====\nFix c\n", 3) ==
        Messages{"Fix a", "Fix b\n\nBody b", "Fix c"});
  CHECK(clean_reply("Fix a\n\n=====\n\nFix b", 2) == Messages{"Fix a", "Fix b"});
  CHECK(clean_reply("=====\nFix a\n=====\n=====\nFix b\n=====", 2) == Messages{"Fix a", "Fix b"});
}

TEST_CASE("with one message asked for, a line of = is part of the body", "[message]")
{
  CHECK(clean_reply("Add usage docs\n\nUsage\n=====\nRun it with --fast.") ==
        Messages{"Add usage docs\n\nUsage\n=====\nRun it with --fast."});
}

TEST_CASE("alternative labels such as Option 1: are dropped", "[message]")
{
  CHECK(clean_reply("Option 1:\nFix a\n=====\nOption 2:\nFix b\n\nBody", 2) == Messages{"Fix a", "Fix b\n\nBody"});
  CHECK(clean_reply("Alternative 1\nFix a\n=====\nAlternative 2\nFix b", 2) == Messages{"Fix a", "Fix b"});
  CHECK(clean_reply("Here are 2 commit messages:\n\nOption 1:\nFix a\n=====\nOption 2:\nFix b", 2) ==
        Messages{"Fix a", "Fix b"});
}

TEST_CASE("a subject that merely starts with a label word is kept", "[message]")
{
  CHECK(clean_reply("Options parser accepts -n") == Messages{"Options parser accepts -n"});
  CHECK(clean_reply("Message 404 page rewording") == Messages{"Message 404 page rewording"});
}

TEST_CASE("an empty or whitespace-only reply gives no message", "[message]")
{
  CHECK(clean_reply("").empty());
  CHECK(clean_reply("   \n\t\n  ").empty());
  CHECK(clean_reply("\r\n\r\n").empty());
  CHECK(clean_reply("```\n```").empty());
  CHECK(clean_reply("=====\n=====", 2).empty());
  CHECK(clean_reply("\"\"").empty());
  CHECK(clean_reply("Here is a commit message:\n\n").empty());
}

TEST_CASE("a body with its own lists, indentation and blank lines is kept verbatim", "[message]")
{
  const std::string body = "Rework the retry loop\n"
                           "\n"
                           "The loop now backs off:\n"
                           "\n"
                           "- first retry after 1 s\n"
                           "  - doubled each time\n"
                           "- at most 5 retries\n"
                           "\n"
                           "    retry(5, backoff)\n"
                           "\n"
                           "\n"
                           "Refs: #42";
  CHECK(clean_reply(body) == Messages{body});
  CHECK(clean_reply(body + "\n") == Messages{body});
}

TEST_CASE("a message with a code fence in its body after the subject is not truncated", "[message]")
{
  const std::string message = "Quote paths in the install script\n"
                              "\n"
                              "Paths with spaces broke the script, for example\n"
                              "```\n"
                              "install.sh /home/a b/bin\n"
                              "```\n"
                              "now works.";
  CHECK(clean_reply(message) == Messages{message});
}

TEST_CASE("a message whose body introduces a code fence with a colon is not truncated", "[message]")
{
  const std::string message = "Quote paths in the install script\n"
                              "\n"
                              "Paths with spaces broke the script. Usage:\n"
                              "\n"
                              "```\n"
                              "install.sh /home/a b/bin\n"
                              "```";
  CHECK(clean_reply(message) == Messages{message});
}

// ---- analyze -------------------------------------------------------------------------------

TEST_CASE("the comment character comes from git's Please enter the commit message line", "[message]")
{
  const auto layout = analyze(k_plain, "");
  CHECK(layout.comment_char == '#');
  CHECK(layout.comment_char_known);
  CHECK_FALSE(layout.has_scissors);

  const auto semicolon = analyze(k_semicolon, "");
  CHECK(semicolon.comment_char == ';');
  CHECK(semicolon.comment_char_known);
}

TEST_CASE("the file's own lines beat the configured comment character", "[message]")
{
  // `git -c core.commentChar=;` is invisible to libgit2's config: the file tells the truth.
  CHECK(analyze(k_semicolon, "#").comment_char == ';');
  CHECK(analyze(k_plain, ";").comment_char == '#');
}

TEST_CASE("the comment character comes from the scissors line", "[message]")
{
  const auto verbose = analyze(k_verbose, "");
  CHECK(verbose.has_scissors);
  CHECK(verbose.comment_char == '#');
  CHECK(verbose.comment_char_known);

  // With commit.status=false git writes only the scissors block.
  const auto percent = analyze(k_scissors_percent, "#");
  CHECK(percent.has_scissors);
  CHECK(percent.comment_char == '%');
  CHECK(percent.comment_char_known);
}

TEST_CASE("the scissors line wins over a status line with another character", "[message]")
{
  const std::string content = "\n# On branch main\n; ------------------------ >8 ------------------------\n";
  const auto layout = analyze(content, "");
  CHECK(layout.has_scissors);
  CHECK(layout.comment_char == ';');
}

TEST_CASE("without git's lines the configured comment character is used", "[message]")
{
  SECTION("a configured character")
  {
    const auto layout = analyze("", ";");
    CHECK(layout.comment_char == ';');
    CHECK_FALSE(layout.comment_char_known);
  }
  SECTION("auto or nothing means #")
  {
    CHECK(analyze("", "auto").comment_char == '#');
    CHECK(analyze("", "AUTO").comment_char == '#');
    CHECK(analyze("", "").comment_char == '#');
    CHECK(analyze("Some template text\n", "").comment_char == '#');
  }
  SECTION("a message from -m is not mistaken for git's lines")
  {
    CHECK(analyze("Fix the parser\n", "%").comment_char == '%');
    CHECK_FALSE(analyze("Fix the parser\n", "%").has_scissors);
  }
}

TEST_CASE("comments are stripped only in editor mode with default or strip cleanup", "[message]")
{
  struct Row
  {
    bool editor;
    const char* cleanup;
    bool stripped;
  };
  const std::vector<Row> table = {
    {true, "", true},          {true, "default", true},      {true, "strip", true},      {true, "whitespace", false},
    {true, "verbatim", false}, {true, "scissors", false},    {false, "", false},         {false, "default", false},
    {false, "strip", false},   {false, "whitespace", false}, {false, "verbatim", false}, {false, "scissors", false},
  };
  for (const auto& row : table) {
    INFO("editor=" << row.editor << " cleanup=" << row.cleanup);
    CHECK(comments_are_stripped(row.editor, row.cleanup) == row.stripped);
  }
}

// ---- insert --------------------------------------------------------------------------------

TEST_CASE("inserting into an empty file gives the message and a newline", "[message]")
{
  Insertion insertion;
  insertion.message = "Fix the parser\n\nBody\n\n";
  CHECK(insert("", insertion) == "Fix the parser\n\nBody\n");
  CHECK(insert("\n", insertion) == "Fix the parser\n\nBody\n");
}

TEST_CASE("the message goes above git's editor template, which starts with an empty line", "[message]")
{
  Insertion insertion;
  insertion.message = "Fix the parser";
  const std::string result = insert(k_plain, insertion);
  CHECK(result == "Fix the parser\n" + std::string(k_plain));
  CHECK(result.starts_with("Fix the parser\n\n# Please enter"));
}

TEST_CASE("a blank line separates the message from content that does not start with one", "[message]")
{
  Insertion insertion;
  insertion.message = "Fix the parser";
  CHECK(insert("# comment\n", insertion) == "Fix the parser\n\n# comment\n");
}

TEST_CASE("with commit -v the scissors line and the diff stay below the message", "[message]")
{
  Insertion insertion;
  insertion.message = "Fix the parser";
  const std::string result = insert(k_verbose, insertion);
  CHECK(first_line(result) == "Fix the parser");
  CHECK(result.ends_with(k_verbose));
  const auto scissors = result.find("# ------------------------ >8");
  const auto diff = result.find("diff --git");
  REQUIRE(scissors != std::string::npos);
  CHECK(result.find("Fix the parser") < scissors);
  CHECK(scissors < diff);
}

TEST_CASE("with commit -s the sign-off trailer stays after the message", "[message]")
{
  Insertion insertion;
  insertion.message = "Fix the parser\n\nBody";
  const std::string result = insert(k_signoff, insertion);
  CHECK(result.starts_with("Fix the parser\n\nBody\n"));
  const auto body = result.find("Body");
  const auto trailer = result.find("Signed-off-by: T <t@e>");
  REQUIRE(trailer != std::string::npos);
  CHECK(body < trailer);
  CHECK(result.ends_with(k_signoff));
}

TEST_CASE("alternatives and notes become comment lines only when comments are stripped", "[message]")
{
  Insertion insertion;
  insertion.message = "Fix a";
  insertion.alternatives = {"Fix b\n\nBody b", "Fix c"};
  insertion.notes = {"written by cmtgen (claude, haiku)"};
  insertion.comment_char = ';';

  SECTION("with comments")
  {
    insertion.comments = true;
    const std::string result = insert(k_semicolon, insertion);
    CHECK(result == "Fix a\n"
                    ";\n"
                    "; cmtgen alternative 2:\n"
                    "; Fix b\n"
                    ";\n"
                    "; Body b\n"
                    ";\n"
                    "; cmtgen alternative 3:\n"
                    "; Fix c\n"
                    "; written by cmtgen (claude, haiku)\n" +
                      std::string(k_semicolon));
  }
  SECTION("without comments")
  {
    insertion.comments = false;
    const std::string result = insert(k_semicolon, insertion);
    CHECK(result == "Fix a\n" + std::string(k_semicolon));
    CHECK_FALSE(util::contains(result, "Fix b"));
    CHECK_FALSE(util::contains(result, "written by cmtgen"));
  }
}

// ---- insert_comments -----------------------------------------------------------------------

TEST_CASE("failure comments go right before git's first comment line, keeping line 1 empty", "[message]")
{
  const std::string result = insert_comments(k_plain, {"cmtgen: error: not-logged-in: run `claude` then /login"}, '#');
  CHECK(result == "\n# cmtgen: error: not-logged-in: run `claude` then /login\n" + std::string(k_plain.substr(1)));
  CHECK(result.starts_with("\n#"));
}

TEST_CASE("failure comments go below what a template wrote and above the scissors line", "[message]")
{
  SECTION("a template")
  {
    const std::string content = "feat: <subject>\n\n# Please enter the commit message\n";
    CHECK(insert_comments(content, {"failed"}, '#') ==
          "feat: <subject>\n\n# failed\n# Please enter the commit message\n");
  }
  SECTION("the scissors line")
  {
    const std::string result = insert_comments(k_scissors_percent, {"failed"}, '%');
    CHECK(result == "\n% failed\n" + std::string(k_scissors_percent));
  }
}

TEST_CASE("failure comments in a file without comment lines go at its end", "[message]")
{
  CHECK(insert_comments("", {"failed", "second"}, '#') == "\n# failed\n# second\n");
  // MERGE_MSG has no trailing newline.
  CHECK(insert_comments("Merge branch 'x'", {"failed"}, '#') == "Merge branch 'x'\n# failed\n");
  CHECK(insert_comments("Merge branch 'x'\n", {"failed"}, '#') == "Merge branch 'x'\n# failed\n");
}

TEST_CASE("a multi-line failure comment has every line commented", "[message]")
{
  CHECK(insert_comments("", {"first\nsecond"}, ';') == "\n; first\n; second\n");
}

// ---- fill_template -------------------------------------------------------------------------

TEST_CASE("fill_template fills the subject and body placeholders", "[message]")
{
  const auto filled = fill_template("<subject>\n\n<body>\n# Lines starting with # are ignored\n",
                                    "Fix the parser\n\nIt dropped the last line.", '#');
  REQUIRE(filled);
  CHECK(*filled == "Fix the parser\n\nIt dropped the last line.\n# Lines starting with # are ignored\n");
}

TEST_CASE("fill_template keeps the template's own text around a placeholder", "[message]")
{
  const auto filled = fill_template("[JIRA-1] <Summary>\n\nWhy: <description>\n", "Fix the parser\n\nBody", '#');
  REQUIRE(filled);
  CHECK(*filled == "[JIRA-1] Fix the parser\n\nWhy: Body\n");
}

TEST_CASE("fill_template puts the body below the subject when the template has no body placeholder", "[message]")
{
  const auto filled = fill_template("feat: {summary}\n\nRefs: none\n", "Fix the parser\n\nIt dropped a line.", '#');
  REQUIRE(filled);
  CHECK(*filled == "feat: Fix the parser\n\nIt dropped a line.\n\nRefs: none\n");

  const auto subject_only = fill_template("feat: {summary}\n", "Fix the parser", '#');
  REQUIRE(subject_only);
  CHECK(*subject_only == "feat: Fix the parser\n");
}

TEST_CASE("fill_template gives nothing for a template without placeholders", "[message]")
{
  CHECK_FALSE(fill_template("Ticket: \n\n# fill in the subject\n", "Fix", '#'));
  CHECK_FALSE(fill_template("", "Fix", '#'));
  // Placeholders in comment lines are instructions, not places to fill.
  CHECK_FALSE(fill_template("# <subject>\n", "Fix", '#'));
  CHECK_FALSE(fill_template("; <subject>\n", "Fix", ';'));
}

// ---- commented -----------------------------------------------------------------------------

TEST_CASE("commented turns every line into a comment line, empty lines into a bare character", "[message]")
{
  CHECK(commented("a\n\nb", '#') == "# a\n#\n# b\n");
  CHECK(commented("a\n", ';') == "; a\n");
  CHECK(commented("", '#').empty());
}

// ---- hostile replies --------------------------------------------------------------------

TEST_CASE("NUL, control bytes and terminal escapes never reach a message", "[message]")
{
  CHECK(clean_reply(std::string("Fix the\0 parser\n\nBody\x01 line\x7f", 27)) ==
        Messages{"Fix the parser\n\nBody line"});
  CHECK(clean_reply("Add \x1b[1;31mcolour\x1b[0m to \x1b]0;title\x07the log") == Messages{"Add colour to the log"});
  CHECK(clean_reply("Add \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ text") == Messages{"Add link text"});
  CHECK(clean_reply("Keep\ttabs\n\nand lines") == Messages{"Keep\ttabs\n\nand lines"});
  // C1 controls and bidirectional overrides (Trojan Source) in UTF-8; other UTF-8 stays.
  CHECK(clean_reply("Fix \xc2\x9b"
                    "caf\xc3\xa9 \xe2\x80\xae"
                    "reversed\xe2\x81\xa6") == Messages{"Fix caf\xc3\xa9 reversed"});
  CHECK(clean_reply(std::string("\0\x01\x02", 3)).empty());
}

TEST_CASE("reply lines git would strip as comments are reworded", "[message]")
{
  using cmtgen::message::protect_lines;
  CHECK(protect_lines("Fix the parser\n\n## Details\n#42 was the cause", '#', true) ==
        "Fix the parser\n\nDetails\n #42 was the cause");
  CHECK(protect_lines("Fix the parser\n\n; not a comment here", ';', true) ==
        "Fix the parser\n\n ; not a comment here");
  // Not stripped (no editor, or cleanup=whitespace): the lines stay as they are...
  CHECK(protect_lines("Fix the parser\n\n#42 was the cause", '#', false) == "Fix the parser\n\n#42 was the cause");
  // ...but a scissors line would still cut the message under `commit -v`.
  CHECK(protect_lines("Fix\n\n# ------------------------ >8 ------------------------\nafter", '#', false) ==
        "Fix\n\n # ------------------------ >8 ------------------------\nafter");
  // A heading whose words start with the comment character again (found by fuzz_reply).
  CHECK(protect_lines("Fix\n\n# #--# r", '#', true) == "Fix\n\n # #--# r");
  CHECK(protect_lines("Fix\n\n##", '#', true) == "Fix\n\n ##");
  // Nothing but comment lines: no message at all.
  CHECK_FALSE(protect_lines("#1 is fixed\n#2 is not", '#', true));
  CHECK(protect_lines("#1 is fixed\n#2 is not", '#', false) == "#1 is fixed\n#2 is not");
}
