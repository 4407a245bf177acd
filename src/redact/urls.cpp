#include "redact/internal.hpp"

#include <string>

namespace cmtgen::redact {

// scheme://user:password@host: only the password goes; user and host tell the model which
// service the change talks to.
void
mask_url_credentials(std::string_view in, std::string& out, Sink& sink)
{
  std::size_t copied = 0;
  std::size_t from = 0;
  while (true) {
    const std::size_t scheme_end = in.find("://", from);
    if (scheme_end == std::string_view::npos) {
      break;
    }
    std::size_t end = scheme_end + 3;
    std::size_t at_sign = std::string_view::npos;
    while (end < in.size() && !is_space(in[end]) &&
           std::string_view("/?#\"'`<>\\").find(in[end]) == std::string_view::npos) {
      if (in[end] == '@') {
        at_sign = end;
      }
      ++end;
    }
    // Resuming after the authority, not after "://", keeps "a://a://a://..." linear.
    from = end;
    if (scheme_end == 0 || !is_alnum(in[scheme_end - 1]) || at_sign == std::string_view::npos) {
      continue;
    }
    const std::size_t colon = in.find(':', scheme_end + 3);
    if (colon >= at_sign || is_reference(in.substr(colon + 1, at_sign - colon - 1))) {
      continue;
    }
    sink.replace(out, in, copied, Span{colon + 1, at_sign, "url-credentials"});
  }
  out.append(in.substr(copied));
}

} // namespace cmtgen::redact
