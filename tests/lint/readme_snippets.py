#!/usr/bin/env python3
"""Code shown in the documentation is cut from tested files, so it cannot drift from them.

    tests/lint/readme_snippets.py [--write]

A document marks a fenced block with an HTML comment on the line before its opening fence:
    <!-- cut from proto/examples/dept_client.js -->
and the named file marks the region between a line holding "BEGIN README" and one holding
"END README" (comments of the file's language). The block must equal that region, with the
region's common indentation removed. Fails, naming the document and the file, when it does not;
--write copies each region into its block instead. Checked: the documents in DOCS."""
import os
import re
import sys

DOCS = ["proto/README.md"]
MARK = re.compile(r'^<!-- cut from (\S+) -->$')


def region(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    begin = [i for i, l in enumerate(lines) if "BEGIN README" in l]
    end = [i for i, l in enumerate(lines) if "END README" in l]
    if len(begin) != 1 or len(end) != 1 or end[0] <= begin[0]:
        raise SystemExit(f"not ok - {path}: needs one BEGIN README line and one END README after it")
    body = lines[begin[0] + 1:end[0]]
    indent = min((len(l) - len(l.lstrip(" ")) for l in body if l.strip()), default=0)
    return [l[indent:] for l in body]


def main():
    write = "--write" in sys.argv[1:]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    os.chdir(root)
    failed = checked = 0
    for doc in DOCS:
        lines = open(doc, encoding="utf-8").read().split("\n")
        out, i = [], 0
        while i < len(lines):
            out.append(lines[i])
            m = MARK.match(lines[i].strip())
            if not m:
                i += 1
                continue
            fence = lines[i + 1] if i + 1 < len(lines) else ""
            if not fence.lstrip().startswith("```"):
                print(f"not ok - {doc}:{i + 1}: the marker is not followed by a fenced block")
                failed += 1
                i += 1
                continue
            pad = fence[:len(fence) - len(fence.lstrip())]
            close = next((j for j in range(i + 2, len(lines)) if lines[j].strip() == "```"), None)
            if close is None:
                print(f"not ok - {doc}:{i + 2}: the fenced block never closes")
                failed += 1
                break
            shown = [l[len(pad):] if l.startswith(pad) else l for l in lines[i + 2:close]]
            want = region(m.group(1))
            checked += 1
            if shown != want:
                if write:
                    print(f"# {doc}:{i + 2}: block replaced by the region of {m.group(1)}")
                else:
                    print(f"not ok - {doc}:{i + 2}: the block differs from the marked region of "
                          f"{m.group(1)} (tests/lint/readme_snippets.py --write copies it)")
                    failed += 1
            out.append(fence)
            out.extend((pad + l) if l else l for l in want)
            out.append(lines[close])
            i = close + 1
        if write:
            open(doc, "w", encoding="utf-8").write("\n".join(out))
    print(f"readme_snippets: {checked} block(s) checked, {failed} differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
