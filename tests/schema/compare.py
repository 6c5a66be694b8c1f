#!/usr/bin/env python3
"""Compares two `pg_dump --schema-only` outputs object by object.

Usage: compare.py OLD.sql NEW.sql ALLOWED.txt

Each object of a dump is the text under its "-- Name: ...; Type: ...;" header. Objects are
compared after normalising what carries no meaning: pg_dump's \\restrict keys, comments inside
function bodies (SQL "--" comments: they are documentation, rewritten with the layout), runs of
whitespace, and the order of GRANT lines within one object. Every object added, removed or
changed must be listed in ALLOWED.txt, one per line:
    removed|added|changed <TAB> <Type> <TAB> <Name> <TAB> why
and every line there must match a difference that exists (a stale entry fails too).
Prints each difference; exits 1 when any is not allowed.
"""
import re
import sys

HEADER = re.compile(r'^-- Name: (.*?); Type: (.*?); Schema: .*$')


def objects(path):
    found, key, body = {}, None, []
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        m = HEADER.match(line)
        if m:
            if key:
                found[key] = body
            key, body = (m.group(2), m.group(1)), []
        elif key and not line.startswith('\\restrict') and not line.startswith('\\unrestrict'):
            body.append(line)
    if key:
        found[key] = body
    return {k: normalise(k, v) for k, v in found.items()}


def normalise(key, lines):
    text = '\n'.join(lines)
    if key[0] in ('FUNCTION', 'PROCEDURE'):
        # drop "--" comments (to the end of the line) outside quoted strings
        out = []
        for line in text.split('\n'):
            quote, cut = False, None
            for i, ch in enumerate(line):
                if ch == "'":
                    quote = not quote
                elif not quote and line.startswith('--', i):
                    cut = i
                    break
            out.append(line if cut is None else line[:cut])
        text = '\n'.join(out)
    if key[0] == 'ACL':
        text = '\n'.join(sorted(l for l in text.split('\n') if l.strip()))
    return ' '.join(text.split())


def main():
    old, new = objects(sys.argv[1]), objects(sys.argv[2])
    allowed = {}
    for line in open(sys.argv[3], encoding='utf-8'):
        if not line.strip() or line.startswith('#'):
            continue
        what, typ, name, why = line.rstrip('\n').split('\t', 3)
        allowed[(what, typ, name)] = why
    diffs = [('removed',) + k for k in old if k not in new]
    diffs += [('added',) + k for k in new if k not in old]
    diffs += [('changed',) + k for k in old if k in new and old[k] != new[k]]
    bad = 0
    for d in sorted(diffs):
        why = allowed.pop(d, None)
        if why:
            print(f'# allowed: {d[0]} {d[1]} {d[2]}: {why}')
        else:
            bad += 1
            print(f'not allowed: {d[0]} {d[1]} {d[2]}')
            if d[0] == 'changed':
                print(f'#   old: {old[d[1:]][:600]}')
                print(f'#   new: {new[d[1:]][:600]}')
    for d in allowed:
        bad += 1
        print(f'stale entry in the allowed list (no such difference): {d[0]} {d[1]} {d[2]}')
    print(f'# {len(old)} objects before, {len(new)} after, {len(diffs)} differences, {bad} not allowed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
