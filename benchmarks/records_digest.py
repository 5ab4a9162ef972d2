"""Check that a change to the policy reader leaves its records unchanged: one digest per policy.

    python benchmarks/records_digest.py --save /tmp/before.tsv [DIR]
    python benchmarks/records_digest.py --compare /tmp/before.tsv [DIR]

Each policy of DIR (default ``tests/data/policies``) is read and its records (nodes, flows and links
in the order the reader made them, every property and citation) are reduced to a sha256, so that
the output on held-out policies is compared without anyone reading it. ``--compare`` prints the
policies whose digest changed and exits 1 if any did. Keep the digest file out of the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from flowaudit.loaders.policy import extract_policy

ROOT = Path(__file__).resolve().parent.parent
POLICY_SET = ROOT / "tests" / "data" / "policies"


def digest(policy: Path) -> str:
    """The sha256 of ``policy``'s records as JSON (keys sorted, list order kept)."""
    records = extract_policy(policy).to_dict()
    return hashlib.sha256(json.dumps(records, sort_keys=True).encode()).hexdigest()


def digests(folder: Path) -> dict[str, str]:
    """Policy file name → digest of its records, for every policy of ``folder``."""
    return {p.name: digest(p) for p in sorted(folder.glob("*.md"))}


def main(argv: list[str] | None = None) -> int:
    """Save the digests, or compare them with saved ones (exit 1 on a difference)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=POLICY_SET)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, help="write the digests to this file")
    mode.add_argument("--compare", type=Path, help="compare with the digests in this file")
    args = ap.parse_args(argv)
    now = digests(args.folder)
    if args.save:
        args.save.write_text("".join(f"{name}\t{d}\n" for name, d in now.items()), encoding="utf-8")
        print(f"{len(now)} digests written to {args.save}")
        return 0
    saved = dict(line.split("\t") for line in args.compare.read_text(encoding="utf-8").split("\n") if line)
    changed = sorted(name for name in saved.keys() | now.keys() if saved.get(name) != now.get(name))
    for name in changed:
        print(f"changed: {name}")
    print(f"{len(now) - len(changed)} of {len(saved.keys() | now.keys())} policies read identically")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
