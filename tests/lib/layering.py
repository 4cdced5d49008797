#!/usr/bin/env python3
"""layering.py - fails when two library files call each other in a circle.

Reads the library's object files with nm: each file's defined functions
and the symbols it uses. File A calls file B when A uses a function B
defines. A table of function pointers (a dialect, the relationship hooks)
is data, not a call: it is how a lower layer reaches a higher one, the
calls then going through the table at run time. The library's files must form layers: no
chain of such dependencies may lead from a file back to itself. On a
circle, prints it, with the symbols that make each step, and exits 1.

    layering.py OBJECT_FILE... | OBJECT_DIR   (ctest passes the orm target's)
"""
import os
import subprocess
import sys


def symbols(path):
    out = subprocess.run([os.environ.get("NM") or "nm", "-P", path], check=True, capture_output=True,
                         text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            used.add(name)
        elif kind in ("T", "W"):
            defined.add(name)
    return defined, used


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: layering.py OBJECT_FILE... | OBJECT_DIR")
    paths = []
    for arg in sys.argv[1:]:
        if os.path.isdir(arg):
            for root, _, files in os.walk(arg):
                paths += [os.path.join(root, f) for f in files if f.endswith(".o")]
        else:
            paths.append(arg)
    objs = {os.path.basename(p)[:-len(".o")]: p for p in paths if p.endswith(".o")}
    if not objs:
        sys.exit("layering.py: no object files in %s" % " ".join(sys.argv[1:]))
    defs, uses = {}, {}
    for name, path in objs.items():
        defs[name], uses[name] = symbols(path)
    owner = {s: n for n, ds in defs.items() for s in ds}
    edges = {n: {} for n in objs}
    for n, us in uses.items():
        for s in us:
            o = owner.get(s)
            if o and o != n:
                edges[n].setdefault(o, []).append(s)

    # Tarjan's strongly connected components: any of more than one file is
    # a circle.
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(objs):
        if v not in index:
            strong(v)
    circles = [sorted(c) for c in comps if len(c) > 1]
    for c in circles:
        print("circle of calls between: %s" % ", ".join(c))
        for a in c:
            for b in sorted(edges[a]):
                if b in c:
                    syms = sorted(edges[a][b])
                    more = " ..." if len(syms) > 4 else ""
                    print("  %s -> %s: %s%s" % (a, b, " ".join(syms[:4]), more))
    if circles:
        return 1
    print("layering: %d library files, no circle of calls" % len(objs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
