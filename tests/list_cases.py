#!/usr/bin/env python3
"""Prints the unittest classes of a test script that hold tests, one per line, so that
CMake registers each class as its own ctest test (ctest -j then spreads a suite over the
cores). Reads the file with ast: nothing is imported or run. A class holds tests when it
or one of its bases in the same file defines a test_* method."""

import ast
import sys


def classes_with_tests(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}

    def has_tests(name, seen=()):
        node = classes.get(name)
        if node is None or name in seen:
            return False
        if any(isinstance(item, ast.FunctionDef) and item.name.startswith("test") for item in node.body):
            return True
        return any(isinstance(base, ast.Name) and has_tests(base.id, seen + (name,)) for base in node.bases)

    return [name for name in classes if has_tests(name)]


if __name__ == "__main__":
    for name in classes_with_tests(sys.argv[1]):
        print(name)
