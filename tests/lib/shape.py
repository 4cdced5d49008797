#!/usr/bin/env python3
"""shape.py - fails when a library file or function grows past a reader's reach.

The library is read line by line (STYLE.md: "a file near a thousand lines,
or a function longer than a screen, usually holds two ideas"). This reads
every .c and .h file under the library's directory and fails when

  - a file has more than --max-file-lines lines (800), or
  - a function's body, the lines between its opening brace and its closing
    one, is longer than --max-function-lines (60, about a screen).

A function is found by the layout .clang-format gives it: its opening
brace alone at the start of a line, its closing brace at the start of a
later one; its name is the identifier before the first "(" of the lines
just above the brace. A definition not yet formatted, "int f(void) {" on
one line, counts too, so that skipping clang-format cannot hide a long
function.

The allow-list (--allow FILE) names what may stay over for now, one entry a
line: "file.c" for a file's length, "file.c:function" for a function; "#"
starts a comment. An entry that is no longer needed is reported, so the
list only shrinks.

    shape.py [--allow FILE] [--max-file-lines N] [--max-function-lines N] DIR

Prints the offenders and exits 1, or prints the largest file and the
longest function and exits 0.
"""
import argparse
import os
import re
import sys

NAME = re.compile(r"([A-Za-z_]\w*)\s*\(")


def read_allow(path):
    allowed = set()
    if not path:
        return allowed
    with open(path, encoding="utf-8") as f:
        for line in f:
            entry = line.split("#", 1)[0].strip()
            if entry:
                allowed.add(entry)
    return allowed


def opens_function(line):
    """Whether a line opens a function body: a "{" alone at the start of
    the line, or a definition at the top level ending in "{" (not an
    initializer, not a struct)."""
    text = line.rstrip()
    if text == "{":
        return True
    return (text.endswith("{") and "(" in text and "=" not in text and
            not text[:1].isspace() and not text.startswith(("#", "}", "/", "*")))


def signature_name(lines, brace):
    """The function's name: the identifier before the first "(" of the
    declaration that ends on (or just above) the line of the brace."""
    if lines[brace].rstrip() != "{":
        m = NAME.search(lines[brace])
        if m:
            return m.group(1)
    start = brace
    while start > 0:
        above = lines[start - 1].rstrip()
        if (not above or above.endswith(";") or above.endswith("*/") or above.startswith("#")
                or above.startswith("}")):
            break
        start -= 1
    m = NAME.search(" ".join(lines[start:brace]))
    return m.group(1) if m else None


def functions(path):
    """Yields (name, line of the opening brace, body lines) per function."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    open_at = None
    for i, line in enumerate(lines):
        if open_at is None and opens_function(line):
            open_at = i
        elif line.startswith("}") and open_at is not None:
            name = signature_name(lines, open_at)
            if name:
                yield name, open_at + 1, i - open_at - 1
            open_at = None


def count_lines(path):
    with open(path, encoding="utf-8") as f:
        return sum(1 for _ in f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--allow", help="allow-list file")
    ap.add_argument("--max-file-lines", type=int, default=800)
    ap.add_argument("--max-function-lines", type=int, default=60)
    ap.add_argument("dir")
    args = ap.parse_args()

    allowed = read_allow(args.allow)
    used = set()
    files = []
    for root, _, names in os.walk(args.dir):
        files += [os.path.join(root, n) for n in names if n.endswith((".c", ".h"))]
    if not files:
        sys.exit("shape.py: no .c or .h files under %s" % args.dir)

    offenders = []
    largest, longest = (0, ""), (0, "")
    for path in sorted(files):
        shown = os.path.join(os.path.basename(os.path.normpath(args.dir)),
                             os.path.relpath(path, args.dir))
        base = os.path.basename(path)
        n = count_lines(path)
        largest = max(largest, (n, shown))
        if n > args.max_file_lines:
            if base in allowed:
                used.add(base)
            else:
                offenders.append("%s: %d lines (at most %d)" % (shown, n, args.max_file_lines))
        for name, line, body in functions(path):
            longest = max(longest, (body, "%s %s()" % (shown, name)))
            if body <= args.max_function_lines:
                continue
            entry = "%s:%s" % (base, name)
            if entry in allowed:
                used.add(entry)
            else:
                offenders.append("%s:%d %s(): %d lines (at most %d)" %
                                 (shown, line, name, body, args.max_function_lines))

    for entry in sorted(allowed - used):
        print("shape: allow-list entry %s is no longer needed: take it out" % entry)
    for o in offenders:
        print("too long: %s" % o)
    if offenders:
        print("shape: %d too long; split along the concepts (STYLE.md, \"Split where the "
              "concepts split\")" % len(offenders))
        return 1
    print("shape: %d library files; largest %s (%d lines), longest function %s (%d lines); "
          "%d allowed for now" % (len(files), largest[1], largest[0], longest[1], longest[0],
                                  len(used)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
