// A user template of any text: parsing and rendering either succeed within the cost
// bounds or fail with cmtgen's config error; nothing else escapes.
#include "error.hpp"
#include "templates.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using cmtgen::templates::Data;

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const cmtgen::templates::Template tmpl(text, "fuzz");
    Data files = Data::list();
    for (int i = 0; i < 20; ++i) {
      files.push(Data::object().set("path", Data::text("src/file.cpp")).set("binary", Data::flag(i % 2 == 0)));
    }
    Data values = Data::object();
    values.set("files", std::move(files));
    values.set("language", Data::text("English"));
    values.set("diff", Data::text(std::string(2000, 'd')));
    values.set("has_diff", Data::flag(true));
    (void)tmpl.render_system(values);
    (void)tmpl.render_user(values);
  } catch (const cmtgen::Error&) {
  }
  return 0;
}
