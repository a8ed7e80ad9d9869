#!/usr/bin/env python3
"""The layer check (ctest layer_check): every #include "x/..." under src/ is allowed by the `layers`
block of docs/architecture.md, and every folder under src/ is described there.

Usage: python3 tests/checks/check_layers.py [<repository root>]

The block is the first fenced block whose info string is `layers`; each line is
`folder: allowed folders...` (blank lines and lines starting with '#' are skipped). A file's layer is
the first folder under src/ on its path; it may include its own layer and the folders listed for it.
Includes of headers that are not under a folder of src/ (system, third-party) are not judged.
"""

import os
import re
import sys

DOC = os.path.join("docs", "architecture.md")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
FENCE = re.compile(r"^\s*(```+|~~~+)\s*(\S*)")
SOURCE_SUFFIXES = (".h", ".cpp")


def parse_layers(doc_path):
    """Returns ({layer: set(allowed)}, [errors]) from the first ```layers block of doc_path."""
    try:
        with open(doc_path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        return None, [f"{DOC}: cannot read: {e.strerror}"]
    layers, errors = {}, []
    inside, fence, found = False, None, False
    for number, line in enumerate(lines, 1):
        m = FENCE.match(line)
        if not inside:
            if m and m.group(2) == "layers":
                inside, fence, found = True, m.group(1), True
            continue
        if m and m.group(1).startswith(fence) and not m.group(2):
            break  # the end of the block
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, colon, deps = text.partition(":")
        name = name.strip()
        if not colon or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            errors.append(f"{DOC}:{number}: not a 'folder: allowed...' line: {text!r}")
            continue
        if name in layers:
            errors.append(f"{DOC}:{number}: layer '{name}' is described twice")
            continue
        layers[name] = set(deps.split())
    else:
        if inside:
            errors.append(f"{DOC}: the ```layers block is not closed")
    if not found:
        errors.append(f"{DOC}: no ```layers block")
    for name, deps in layers.items():
        for d in sorted(deps - layers.keys()):
            errors.append(f"{DOC}, layers: layer '{name}' allows '{d}', which the block does not describe")
    return layers, errors


def source_files(src):
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(SOURCE_SUFFIXES):
                yield os.path.join(dirpath, name)


def main(argv):
    root = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
    src = os.path.join(root, "src")
    if not os.path.isdir(src):
        print(f"check_layers: {src} is not a directory", file=sys.stderr)
        return 2
    layers, problems = parse_layers(os.path.join(root, DOC))
    if layers is None:
        for p in problems:
            print(p)
        return 1

    folders = sorted(e.name for e in os.scandir(src) if e.is_dir())
    for folder in folders:
        if folder not in layers:
            problems.append(f"src/{folder}/: folder not described in {DOC} (layers)")
    notes = [f"note: {DOC} (layers) describes '{name}', which is not a folder under src/"
             for name in sorted(layers.keys() - set(folders))]

    checked = 0
    for path in source_files(src):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        parts = rel.split("/")
        if len(parts) < 3:
            problems.append(f"{rel}: files directly in src/ belong to no layer; move it into a layer's folder")
            continue
        layer = parts[1]
        allowed = layers.get(layer)
        checked += 1
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read().splitlines()
        except OSError as e:
            problems.append(f"{rel}: cannot read: {e.strerror}")
            continue
        for number, line in enumerate(text, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            head, slash, _ = target.partition("/")
            if not slash or head not in folders or head == layer:
                continue
            if allowed is None:
                continue  # the folder itself was already reported as undescribed
            if head not in allowed:
                problems.append(f"{rel}:{number}: layer '{layer}' may not include '{target}' ({DOC}, layers)")

    for n in notes:
        print(n)
    if problems:
        for p in problems:
            print(p)
        print(f"check_layers: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check_layers: OK: {checked} files in {len(folders)} layers include only what {DOC} allows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
