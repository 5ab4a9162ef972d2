"""Check that a change to the HAR loader leaves its records unchanged: one digest per capture.

    python benchmarks/har_digest.py --save /tmp/before.tsv [HAR...]
    python benchmarks/har_digest.py --compare /tmp/before.tsv [HAR...]

Each HAR (default: every ``*.har`` under ``tests/data`` and ``examples``; add files such as a capture
written by ``benchmarks/har_load.py --keep``) is read by ``extract_har`` and its records (nodes, flows and
warnings in the order the loader made them, every property and citation) are reduced to a sha256; a
capture the loader refuses is reduced to its error message. ``--compare`` prints the captures whose digest
changed and exits 1 if any did. Keep the digest file out of the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from flowaudit.loaders.errors import InputError
from flowaudit.loaders.har import extract_har

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = (ROOT / "tests" / "data", ROOT / "examples")


def digest(har: Path) -> str:
    """The sha256 of the records of ``har`` as JSON (keys sorted, list order kept), or of its error."""
    try:
        out = extract_har(har).to_dict()
    except InputError as exc:
        out = {"error": str(exc)}
    return hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest()


def captures(files: list[Path]) -> list[Path]:
    """``files``, or every HAR of the project's test data and examples."""
    return files or sorted(p for folder in FOLDERS for p in folder.rglob("*.har"))


def main(argv: list[str] | None = None) -> int:
    """Save the digests, or compare them with saved ones (exit 1 on a difference)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, help="write the digests to this file")
    mode.add_argument("--compare", type=Path, help="compare with the digests in this file")
    args = ap.parse_args(argv)
    now = {str(p): digest(p) for p in captures(args.files)}
    if args.save:
        args.save.write_text("".join(f"{name}\t{d}\n" for name, d in now.items()), encoding="utf-8")
        print(f"{len(now)} digests written to {args.save}")
        return 0
    saved = dict(line.split("\t") for line in args.compare.read_text(encoding="utf-8").split("\n") if line)
    changed = sorted(name for name in saved.keys() | now.keys() if saved.get(name) != now.get(name))
    for name in changed:
        print(f"changed: {name}")
    print(f"{len(now) - len(changed)} of {len(saved.keys() | now.keys())} captures read identically")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
