#!/usr/bin/env python3
"""Write libxmppcv's linker version script from the public headers.

usage: exports.py OUT HEADER...

Every function a public header declares (xcv_NAME followed by '(') is
exported; everything else in the library stays local, so the ABI is the
headers and nothing more.
"""
import re
import sys

names = set()
for path in sys.argv[2:]:
    with open(path) as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    # A declaration: a type, the name, '(' (not a macro or a call in a
    # comment: comments are gone).
    for m in re.finditer(r"(?m)^[A-Za-z_][\w \*]*?\b(xcv_\w+)\s*\(", text):
        names.add(m.group(1))
with open(sys.argv[1], "w") as f:
    f.write("XMPPCV_0 {\n  global:\n")
    for n in sorted(names):
        f.write("    %s;\n" % n)
    f.write("  local:\n    *;\n};\n")
