#include "git/change.hpp"

namespace cmtgen::git {

std::string_view
status_name(Status status)
{
  switch (status) {
    case Status::added: return "added";
    case Status::modified: return "modified";
    case Status::deleted: return "deleted";
    case Status::renamed: return "renamed";
    case Status::copied: return "copied";
    case Status::type_changed: return "type changed";
  }
  return "modified";
}

char
status_letter(Status status)
{
  switch (status) {
    case Status::added: return 'A';
    case Status::modified: return 'M';
    case Status::deleted: return 'D';
    case Status::renamed: return 'R';
    case Status::copied: return 'C';
    case Status::type_changed: return 'T';
  }
  return 'M';
}

} // namespace cmtgen::git
