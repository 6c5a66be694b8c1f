#!/usr/bin/env python3
"""Every SQL statement gridcase sends is a constant: a string literal (or a macro that is one),
with values passed as parameters. Fails on any query built at run time, and on any
printf-style call whose format looks like SQL.

    tests/lint/sql_literals.py [ROOT]

Checked: the SQL argument of gc_pg_query, gc_pg_run, gc_pg_register, PQexec, PQexecParams,
PQprepare, PQsendQuery and PQsendQueryParams in every .c file under common/, services/,
tools/ and tests/ (common/gc_pg_prepared.c, which prepares what gc_pg_register was given,
passes its callers' SQL on, and gridctl migrate (tools/gridctl/migrate.c) executes the files of
deploy/schema: both are exempt by name below)."""
import os
import re
import sys

CALLS = {  # function -> index of its SQL argument
    "gc_pg_query": 2, "gc_pg_run": 2, "gc_pg_register": 1, "PQexec": 1, "PQexecParams": 1,
    "PQprepare": 2, "PQsendQuery": 1, "PQsendQueryParams": 1,
}
# (file, function, argument text) allowed to be non-literal, each with the reason
EXEMPT = {
    ("common/gc_pg_prepared.c", "PQprepare", "statements[i].sql"):
        "registered statements are literals (checked at every gc_pg_register call)",
    ("tools/gridctl/migrate.c", "PQexec", "text"):
        "gridctl migrate executes the files of deploy/schema, each a script of many statements",
}
SQL_FORMAT = re.compile(r'"\s*(SELECT|INSERT|UPDATE|DELETE|ALTER|CREATE|DROP|GRANT|WITH)\b[^"]*%', re.I)
PRINTF = re.compile(r'\b(s?n?printf|asprintf|vsnprintf)\s*\(')


def strip_comments(src):
    out, i, n = [], 0, len(src)
    while i < n:
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src[i] in "\"'":
            q, j = src[i], i + 1
            while j < n and src[j] != q:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        else:
            out.append(src[i])
            i += 1
    return "".join(out)


def arguments(src, start):
    """Splits the argument list that starts after the '(' at start; returns (args, end)."""
    args, depth, cur, i = [], 0, [], start
    while i < len(src):
        c = src[i]
        if c in "\"'":
            j = i + 1
            while j < len(src) and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            cur.append(src[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i
            depth -= 1
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    return args, i


LITERAL = r'"(?:[^"\\]|\\.)*"'


def constant(arg, macros):
    # cond ? "literal" : "literal"
    branch = r"(?:" + LITERAL + r"\s*)+"
    m = re.fullmatch(r"[^?\"]+\?\s*" + branch + r":\s*" + branch, arg, re.S)
    if m:
        return True
    parts = re.findall(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*(?:\([^()]*\))?', arg)
    rest = re.sub(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*(?:\([^()]*\))?|\s', "", arg)
    if rest or not parts:
        return False
    # adjacent literals and macros (upper case) that are themselves constant
    return all(p.startswith('"') or (re.match(r"[A-Z][A-Z0-9_]*", p) and p.split("(")[0] in macros)
               for p in parts)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems, checked = [], 0
    for top in ("common", "services", "tools", "tests"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root)
                src = strip_comments(open(path, encoding="utf-8").read())
                macros = set(re.findall(r"#define\s+([A-Z][A-Z0-9_]*)", src))
                # a function of this file taking "const char *sql" passes its callers' SQL on:
                # its own calls are checked instead
                calls = dict(CALLS)
                for d in re.finditer(r"\b([a-z_][a-z0-9_]*)\s*\(([^()]*\bconst char \*sql\b[^()]*)\)\s*\{", src):
                    params = [x.strip() for x in d.group(2).split(",")]
                    calls[d.group(1)] = next(i for i, x in enumerate(params) if x.endswith("*sql"))
                for m in re.finditer(r"\b(" + "|".join(calls) + r")\s*\(", src):
                    name = m.group(1)
                    args, _ = arguments(src, m.end())
                    if len(args) <= calls[name]:
                        continue  # a call we cannot read
                    sql = args[calls[name]]
                    if re.match(r"(const\s+)?char\s*\*", sql):
                        continue  # the declaration or definition, not a call
                    if sql == "sql" and re.search(r"\bconst char \*sql\b", src):
                        continue  # inside a pass-through function: its callers are checked
                    checked += 1
                    if constant(sql, macros) or (rel, name, sql) in EXEMPT:
                        continue
                    line = src.count("\n", 0, m.start()) + 1
                    problems.append(f"{rel}:{line}: {name}: SQL is not a constant: {sql[:60]}")
                for m in PRINTF.finditer(src):
                    args, _ = arguments(src, m.end())
                    if any(SQL_FORMAT.search(a) for a in args):
                        line = src.count("\n", 0, m.start()) + 1
                        problems.append(f"{rel}:{line}: SQL built with {m.group(1)}")
    for p in problems:
        print(p)
    print(f"sql_literals: {checked} statements checked, {len(problems)} built at run time")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
