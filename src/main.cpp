#include "cli.hpp"

int
main(int argc, char** argv)
{
  return cmtgen::cli::main(argc, argv);
}
