#!/usr/bin/env python3
"""layers.py - the code layout's rules, checked on every `make test`.

The folders of lib/ are layers, lowest first (README "Layout"):

    core  net  spool  sinks  sync  front  intake  program

A file may include headers of its own folder and of lower layers, never of
a higher one, so a low layer builds and tests without the ones above it.
Inside sinks/, each sink's folder (sinks/azure/, ...) is private to it:
only sinks/registry.c, the one table of sinks, and the sink's own folder
include it. Inside intake/sources/, a source never includes another one.
The programs (cgi-bin/, tools/) and spoolctl's commands (tools/admin/)
sit above every layer; lib/ never includes tools/admin/.

No module takes part in an include cycle: a module is a folder's NAME.c
with its NAME.h, and module A depends on B when A.c or A.h includes B.h.
A folder's internal header (internal.h, NAME_internal.h) extends the
folder's public headers for the folder's own files; its includes of its
own folder's headers are that extension, not a dependency.

The spool's raw database handle (spool/db.h) is for the modules listed in
that header only; the list here must match the header's.

Prints one TAP-like line per rule ("ok - ..." / "not ok - ...") followed
by the offending includes, and exits 1 when any rule is broken.
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
LAYERS = ['core', 'net', 'spool', 'sinks', 'sync', 'front', 'intake',
          'program']
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
DB_HEADER = 'lib/spool/db.h'


def sources():
    """Every .c/.h under lib/, cgi-bin/ and tools/, repo-relative."""
    out = []
    for top in ('lib', 'cgi-bin', 'tools'):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in files:
                if f.endswith(('.c', '.h')):
                    out.append(os.path.relpath(os.path.join(d, f), ROOT))
    return sorted(out)


def resolve(path, name):
    """Where #include "name" in path lands (same rules as the compiler's
    -Ilib -Itools search after the file's own folder)."""
    for base in (os.path.dirname(path), 'lib', 'tools'):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.exists(os.path.join(ROOT, cand)):
            return cand
    return None


def layer(path):
    """Rank of a file's layer; programs rank above every layer."""
    parts = path.split('/')
    if parts[0] != 'lib':
        return len(LAYERS)
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else -1


def sink_folder(path):
    parts = path.split('/')
    if len(parts) > 3 and parts[:2] == ['lib', 'sinks']:
        return '/'.join(parts[:3])
    return None


def source_file(path):
    return path.startswith('lib/intake/sources/') and \
        not path.endswith(('sources.h', 'registry.c'))


def module(path):
    return os.path.splitext(path)[0]


def main():
    files = sources()
    edges = {}              # file -> [included file]
    unresolved = []
    for f in files:
        with open(os.path.join(ROOT, f), encoding='utf-8') as fh:
            text = fh.read()
        edges[f] = []
        for name in INCLUDE.findall(text):
            to = resolve(f, name)
            if to is None:
                unresolved.append(f'{f}: "{name}" not found')
            else:
                edges[f].append(to)

    broken = 0

    def report(title, problems):
        nonlocal broken
        if problems:
            broken += 1
            print(f'not ok - {title}')
            for p in problems:
                print(f'#   {p}')
        else:
            print(f'ok - {title}')

    report('every quoted include names a file in the tree', unresolved)

    report('every lib/ file sits in a layer folder',
           [f for f in files if f.startswith('lib/') and layer(f) < 0])

    up = []
    for f, tos in edges.items():
        for to in tos:
            if to.startswith('tools/') and f.startswith('lib/'):
                up.append(f'{f} includes {to} (lib/ never includes tools/)')
            elif to.startswith('lib/') and layer(to) > layer(f):
                up.append(f'{f} ({LAYERS[layer(f)] if layer(f) < len(LAYERS) else "program"})'
                          f' includes {to} ({LAYERS[layer(to)]}), a higher layer')
    report('no file includes a higher layer', up)

    private = []
    for f, tos in edges.items():
        for to in tos:
            folder = sink_folder(to)
            if folder and sink_folder(f) != folder and \
                    f != 'lib/sinks/registry.c' and not f.startswith('tests/'):
                private.append(f'{f} includes {to}, private to {folder}/')
    report("a sink's folder is included only by itself and sinks/registry.c",
           private)

    cross = []
    for f, tos in edges.items():
        if not source_file(f):
            continue
        for to in tos:
            if source_file(to) and module(to) != module(f):
                cross.append(f'{f} includes {to}')
    report('a source never includes another source', cross)

    # Module graph and its cycles (Tarjan's strongly connected components).
    graph = {}
    for f, tos in edges.items():
        m = module(f)
        graph.setdefault(m, set())
        internal = 'internal' in os.path.basename(m)
        for to in tos:
            if internal and os.path.dirname(to) == os.path.dirname(f):
                continue
            if module(to) != m:
                graph[m].add(module(to))
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
            if len(comp) > 1:
                cycles.append(' <-> '.join(sorted(comp)))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    report('no include cycle between modules', cycles)

    # Who may hold the spool's raw handle: the list in spool/db.h.
    allowed = set()
    db_path = os.path.join(ROOT, DB_HEADER)
    if os.path.exists(db_path):
        with open(db_path, encoding='utf-8') as fh:
            allowed = set(re.findall(r'^ \*\s+((?:lib|tools)/\S+\.c)\b',
                                     fh.read(), re.M))
    users = sorted(f for f, tos in edges.items()
                   if DB_HEADER in tos and not f.startswith('lib/spool/'))
    report('only the modules listed in spool/db.h include it',
           [f'{u} includes {DB_HEADER} but is not listed there'
            for u in users if u not in allowed] +
           [f'{DB_HEADER} lists {a}, which does not include it'
            for a in sorted(allowed) if a not in users])

    print(f'# layout: {len(files)} files, {sum(map(len, edges.values()))}'
          f' includes, {broken} rule(s) broken')
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main())
