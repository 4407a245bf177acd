#include "redact/internal.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <string>

namespace cmtgen::redact {

namespace {

constexpr std::string_view k_begin = "-----BEGIN ";
constexpr std::string_view k_end = "-----END ";

// "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PGP PRIVATE KEY BLOCK", "ENCRYPTED PRIVATE KEY"...
// but not "CERTIFICATE" or "PUBLIC KEY", which are meant to be shared.
bool
is_private_label(std::string_view label)
{
  return label.size() <= 40 && util::contains(label, "PRIVATE KEY") &&
         std::all_of(label.begin(), label.end(), [](char c) { return is_upper(c) || is_digit(c) || c == ' '; });
}

bool
has_key_material(std::string_view text)
{
  return std::count_if(text.begin(), text.end(), is_base64) >= 16;
}

bool
is_key_end_line(std::string_view line)
{
  const std::size_t end = line.find(k_end);
  return end != std::string_view::npos && util::contains(line.substr(end), "PRIVATE KEY");
}

// How much a diff line looks like PEM body: a full line is 40+ base64 characters and
// nothing else (it starts a run); a short one (the last line of a block) only continues one.
enum class Pem { no, short_line, full_line };

Pem
pem_body(std::string_view line)
{
  const std::string_view content = util::trim(line.substr(line.empty() ? 0 : 1));
  if (content.empty() || !std::all_of(content.begin(), content.end(), is_base64)) {
    return Pem::no;
  }
  return content.size() >= 40 ? Pem::full_line : Pem::short_line;
}

} // namespace

void
KeyBlocks::reset()
{
  m_in_key = false;
  m_pem_run = std::string_view::npos;
}

bool
KeyBlocks::mask_inside(std::string_view line, std::string& out)
{
  if (m_in_key) {
    if (!is_key_end_line(line)) {
      if (line.starts_with("@@") || line.starts_with("\\")) {
        out += line; // hunk headers and "\ No newline" are diff structure, not key body
      } else {
        mask_body(line, out, m_key_line);
      }
      return true;
    }
    m_in_key = false;
  } else if (is_key_end_line(line) && m_pem_run != std::string_view::npos) {
    // The hunk began inside a key whose BEGIN line git did not show: mask the body lines
    // already written.
    const std::string body = out.substr(m_pem_run);
    out.resize(m_pem_run);
    m_key_reported = false;
    for (const auto body_line : util::split_lines(body)) {
      mask_body(body_line, out, m_pem_run_line);
      out += '\n';
    }
  }
  return false;
}

void
KeyBlocks::track_pem_run(std::string_view line, std::size_t line_start)
{
  const Pem pem = pem_body(line);
  if (pem == Pem::full_line || (pem == Pem::short_line && m_pem_run != std::string_view::npos)) {
    if (m_pem_run == std::string_view::npos) {
      m_pem_run = line_start;
      m_pem_run_line = m_sink.line;
    }
  } else {
    m_pem_run = std::string_view::npos;
  }
}

// Keeps the diff column and indentation, so the model sees how many lines the key spans.
void
KeyBlocks::mask_body(std::string_view line, std::string& out, std::size_t finding_line)
{
  std::size_t begin = !line.empty() && (line[0] == '+' || line[0] == '-' || line[0] == ' ') ? 1 : 0;
  while (begin < line.size() && is_blank(line[begin])) {
    ++begin;
  }
  std::size_t end = line.size();
  if (end > begin && line[end - 1] == '\r') {
    --end;
  }
  const std::string_view content = line.substr(begin, end - begin);
  const std::string masked = marker("private-key");
  if (content.empty() || content == masked) {
    out += line;
    return;
  }
  out.append(line.substr(0, begin));
  out += masked;
  out.append(line.substr(end));
  if (!m_key_reported) {
    m_key_reported = true;
    m_sink.found("private-key", finding_line);
  }
}

// A BEGIN line: a whole key on one line ("-----BEGIN ...-----\nMIIE...\n-----END ...", as in
// a JSON service account file) is masked between the armour lines; otherwise the block
// continues on the following lines.
void
KeyBlocks::mask_armour(std::string_view in, std::string& out)
{
  std::size_t copied = 0;
  std::size_t from = 0;
  while (true) {
    const std::size_t begin = in.find(k_begin, from);
    const std::size_t label_end = begin == std::string_view::npos ? begin : in.find("-----", begin + k_begin.size());
    if (label_end == std::string_view::npos) {
      break;
    }
    from = label_end + 5;
    if (!is_private_label(in.substr(begin + k_begin.size(), label_end - begin - k_begin.size()))) {
      continue;
    }
    const std::size_t end = in.find(k_end, from);
    const std::size_t stop = end == std::string_view::npos ? in.size() : end;
    const std::string_view body = in.substr(from, stop - from);
    if (has_key_material(body) && !util::contains(body, k_marker_open)) {
      m_sink.replace(out, in, copied, Span{from, stop, "private-key"});
    }
    if (end == std::string_view::npos) {
      m_in_key = true;
      m_key_line = m_sink.line;
      m_key_reported = has_key_material(body);
      break;
    }
    from = end + k_end.size();
  }
  out.append(in.substr(copied));
}

} // namespace cmtgen::redact
