#!/usr/bin/env python3
"""Whole cases as fuzz_case reads them: each captured case's case.json,
chain.pem and anchors.pem joined by the harness's separator.

Usage: seeds.py CAPTURES OUTDIR
"""
import os
import sys

SEP = b"\n=====\n"


def main(captures, out):
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(captures)):
        parts = []
        for f in ("case.json", "chain.pem", "anchors.pem"):
            path = os.path.join(captures, name, f)
            if os.path.exists(path):
                with open(path, "rb") as fh:
                    parts.append(fh.read())
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(SEP.join(parts))


if __name__ == "__main__":
    main(*sys.argv[1:3])
