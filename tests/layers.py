#!/usr/bin/env python3
"""The library's modules call each other without a circle.

Usage: layers.py LIBXMPPCV-CORE.a

Reads which module (object file) defines each global symbol and which
others use it (nm), and fails on any group of modules that reach each
other (a strongly connected component of more than one module): a circle
makes the low layers depend on the high ones. Prints the layers, lowest
first.
"""
import subprocess
import sys
from collections import defaultdict


def symbols(archive):
    defined, used = {}, defaultdict(set)
    out = subprocess.run(["nm", "-A", "--defined-only", "-g", archive],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        where, _, rest = line.rpartition(":")
        parts = rest.split()
        if len(parts) == 3:
            defined[parts[2]] = where.rsplit(":", 1)[-1]
    out = subprocess.run(["nm", "-A", "-u", archive],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        where, _, rest = line.rpartition(":")
        parts = rest.split()
        if parts and parts[-1] in defined:
            used[where.rsplit(":", 1)[-1]].add(parts[-1])
    return defined, used


def module(obj):
    return obj.rsplit("/", 1)[-1].split(".c.o")[0]


def components(graph):
    """Tarjan's strongly connected components."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
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
            out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    defined, used = symbols(sys.argv[1])
    graph = defaultdict(set)
    for obj in set(defined.values()) | set(used):
        graph[module(obj)]
    for obj, syms in used.items():
        for s in syms:
            if module(defined[s]) != module(obj):
                graph[module(obj)].add(module(defined[s]))
    circles = [c for c in components(graph) if len(c) > 1]
    for c in circles:
        print("circle: " + " <-> ".join(c))
        for m in c:
            print("  %s uses %s" % (m, ", ".join(sorted(graph[m] & set(c)))))
    if circles:
        return 1
    # Layers, lowest first: each module above everything it uses.
    level = {}

    def depth(m):
        if m not in level:
            level[m] = 1 + max((depth(d) for d in graph[m]), default=-1)
        return level[m]

    for m in graph:
        depth(m)
    for n in range(max(level.values()) + 1):
        print("layer %d: %s" % (n, " ".join(sorted(m for m in level if level[m] == n))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
