"""Extraction time of the seed policy: lexicon compile once, then repeated extractions.

    python benchmarks/extract_seed.py [--runs N] [POLICY]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from flowaudit.loaders.policy import extract_policy, lexicon
from flowaudit.loaders.policy_text import read_policy

SEED = Path(__file__).resolve().parent.parent / "examples" / "plimus" / "policy.md"


def main(argv: list[str] | None = None) -> int:
    """Print the lexicon compile time and the median, p95 and best extraction time."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("policy", nargs="?", type=Path, default=SEED)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    lexicon()
    compile_s = time.perf_counter() - t0
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        records = extract_policy(args.policy)
        times.append(time.perf_counter() - t)
    times.sort()
    sentences = len(read_policy(args.policy).sentences)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"policy: {args.policy.name} ({sentences} sentences, {len(records.nodes)} nodes, {len(records.flows)} flows)")
    print(f"lexicon compile (once per process): {compile_s * 1000:.0f} ms")
    print(f"extraction over {args.runs} runs: median {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms, best {times[0] * 1000:.1f} ms "
          f"({sentences / statistics.median(times):.0f} sentences/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
