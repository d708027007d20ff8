#!/usr/bin/env python3
"""Reads every #include line under src/ and fails when an arrow points the wrong way.

The rules (docs/architecture.md has the map):
  - a folder includes only itself and the folders below it in LAYERS;
  - a store backend never includes the other backend (only store/store_factory.cc sees both);
  - only outbound/ includes curl, only store/sqlite/ sqlite3.h, only store/postgres/ libpq.

Usage: check_layers.py [SRC_DIR]   (default: the src/ next to this script's folder)
Exit status 0 when the tree keeps the rules, 1 with one line per broken rule otherwise.
"""
import os
import re
import sys

# Each folder and what it may include besides itself. Deeper folders (runtime/work,
# store/sqlite) are matched before their parents.
LAYERS = {
    'core': [],
    'observability': ['core'],
    'json': [],
    'store': ['core', 'observability'],
    'store/sqlite': ['store', 'core', 'observability'],
    'store/postgres': ['store', 'core', 'observability'],
    'outbound': ['core', 'observability'],
    'webhooks': ['json', 'outbound', 'store', 'core', 'observability'],
    'handlers': ['json', 'webhooks', 'outbound', 'store', 'core', 'observability'],
    'runtime': ['json', 'handlers', 'webhooks', 'outbound', 'store', 'core', 'observability'],
    'api': ['json', 'runtime', 'handlers', 'webhooks', 'outbound', 'store', 'core', 'observability'],
    'client': ['core'],
    'node': ['json', 'api', 'runtime', 'handlers', 'webhooks', 'outbound', 'store', 'core',
             'observability'],
    'cli': ['json', 'node', 'client', 'api', 'runtime', 'handlers', 'webhooks', 'outbound',
            'store', 'core', 'observability'],
}
# Files allowed to cross a line the rules above draw, each with the reason.
EXCEPTIONS = {
    ('store/store_factory.cc', 'store/sqlite'): 'the factory opens either backend',
    ('store/store_factory.cc', 'store/postgres'): 'the factory opens either backend',
}
# System headers only one folder may include.
OWNED_HEADERS = [
    (re.compile(r'^curl/'), 'outbound'),
    (re.compile(r'^sqlite3\.h$'), 'store/sqlite'),
    (re.compile(r'^(libpq-fe|libpq/.*|pg_config.*|postgres_ext)\.h$'), 'store/postgres'),
]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def folder_of(rel_path, folders):
    """The deepest known folder that holds rel_path (a path relative to src/), or None."""
    parts = rel_path.split('/')[:-1]
    while parts:
        name = '/'.join(parts)
        if name in folders:
            return name
        parts.pop()
    return None


def within(folder, owner):
    return folder == owner or folder.startswith(owner + '/')


def check(src):
    problems = []
    folders = set(LAYERS)
    for dirpath, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith(('.h', '.cc')):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, src).replace(os.sep, '/')
            here = folder_of(rel, folders)
            if here is None:
                problems.append(f'{rel}: folder not in the layer map (scripts/check_layers.py)')
                continue
            with open(path, encoding='utf-8', errors='replace') as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    kind, target = m.groups()
                    if kind == '<':
                        for pattern, owner in OWNED_HEADERS:
                            if pattern.match(target) and not within(here, owner):
                                problems.append(f'{rel}:{lineno}: includes <{target}>, '
                                                f'which only {owner}/ may include')
                        continue
                    there = folder_of(target, folders)
                    if there is None or there == here:
                        continue
                    allowed = LAYERS[here]
                    # A subfolder may include its parent's files and its siblings' (runtime/work
                    # and runtime/maintenance), except where a backend meets the other backend.
                    parent = here.split('/')[0]
                    same_room = there.split('/')[0] == parent and parent != 'store'
                    backend_to_seam = here.startswith('store/') and there == 'store'
                    if same_room or backend_to_seam or there in allowed:
                        continue
                    if (rel, there) in EXCEPTIONS:
                        continue
                    problems.append(f'{rel}:{lineno}: {here}/ includes "{target}" from {there}/, '
                                    f'which is not below it')
    return problems


def main(argv):
    src = argv[1] if len(argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', 'src')
    problems = check(src)
    for p in problems:
        print(p)
    if problems:
        print(f'{len(problems)} include(s) break the layering (docs/architecture.md)')
        return 1
    print(f'layering holds under {os.path.normpath(src)}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
