"""Policy extraction speed: the seed policy repeatedly, or every policy of the test set once each.

    python benchmarks/extract_seed.py [--runs N] [POLICY]
    python benchmarks/extract_seed.py --set [DIR]
    python benchmarks/extract_seed.py --set --baseline REV [DIR]

The model and lexicon load once per process (reported apart). ``--set`` reads each policy of DIR
(default ``tests/data/policies``) after one warm-up extraction and prints its words and time, the
policies per second on one core, words per second (by the wall clock and by processor time), the
longest policy's time, and how much of the time went to the spaCy pipeline (``loaders/parse.parse``),
the frame table's and the negation patterns' dependency matchers, and the open data-type pass
(``loaders/data_types.open_types``). Run it with ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`` to hold
the process to one core.

``--baseline REV`` first makes the same measurement, by this script, with the reader of git revision
REV (its tree exported with ``git archive`` to a temporary folder and imported in a child process, on
the same policies), then with this tree, one right after the other, so that both see the same load on
the machine. REV must have the parsed reader's modules (``loaders/frames.py``, ``loaders/polarity.py``,
``loaders/data_types.py``).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flowaudit.loaders import data_types, frames, polarity
from flowaudit.loaders import policy as reader
from flowaudit.loaders.policy import extract_policy, lexicon
from flowaudit.loaders.policy_text import read_policy

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "plimus" / "policy.md"
POLICY_SET = ROOT / "tests" / "data" / "policies"


PASS_TIME: dict[str, float] = {}  # seconds spent in each clocked part of the reader


def _clocked(fn: Callable[..., Any], part: str) -> Callable[..., Any]:
    """``fn``, adding the time of each call to ``PASS_TIME[part]``."""
    def run(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            PASS_TIME[part] = PASS_TIME.get(part, 0.0) + time.perf_counter() - t
    return run


def _clock_parts() -> None:
    """Clock the parts of the reader that :func:`policy_set` reports (those the reader has)."""
    if hasattr(reader, "parse"):
        reader.parse = _clocked(reader.parse, "spaCy pipeline")
    if hasattr(data_types, "open_types"):
        data_types.open_types = _clocked(data_types.open_types, "open data types")
    for module, part in ((frames, "frame matcher"), (polarity, "negation matcher")):
        if hasattr(module, "_matcher"):
            clocked = _clocked(module._matcher(), part)
            module._matcher = lambda clocked=clocked: clocked


CPU_TIME = [0.0]  # processor seconds of the extractions timed since the last reset


def _timed(policy: Path) -> tuple[float, int, int]:
    t, cpu = time.perf_counter(), time.process_time()
    records = extract_policy(policy)
    CPU_TIME[0] += time.process_time() - cpu
    return time.perf_counter() - t, len(records.nodes), len(records.flows)


def one(policy: Path, runs: int) -> None:
    """Median, p95 and best of ``runs`` extractions of ``policy``."""
    times, nodes, flows = [], 0, 0
    for _ in range(runs):
        s, nodes, flows = _timed(policy)
        times.append(s)
    times.sort()
    sentences = len(read_policy(policy).sentences)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"policy: {policy.name} ({sentences} sentences, {nodes} nodes, {flows} flows)")
    print(f"extraction over {runs} runs: median {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms, best {times[0] * 1000:.1f} ms "
          f"({sentences / statistics.median(times):.0f} sentences/s)")


def policy_set(folder: Path) -> None:
    """Each policy of ``folder`` once; totals and the longest."""
    rows = []
    PASS_TIME.clear()
    CPU_TIME[0] = 0.0
    for policy in sorted(folder.glob("*.md")):
        words = len(" ".join(s.text for s in read_policy(policy).sentences).split())
        s, _, _ = _timed(policy)
        rows.append((policy.name, words, s))
        print(f"{policy.name:32} {words:6} words {s * 1000:8.0f} ms")
    total = sum(r[2] for r in rows)
    words = sum(r[1] for r in rows)
    longest = max(rows, key=lambda r: r[1])
    print(f"{len(rows)} policies, {words} words in {total:.1f} s: {len(rows) / total:.2f} policies/s, "
          f"{words / total:.0f} words/s; longest {longest[0]} ({longest[1]} words) {longest[2] * 1000:.0f} ms")
    print(f"processor time {CPU_TIME[0]:.1f} s: {words / CPU_TIME[0]:.0f} words per processor second "
          f"(less sensitive than the wall clock to other processes on a shared machine)")
    parts = [f"{part} {t:.2f} s ({100 * t / total:.0f}%)" for part, t in PASS_TIME.items()]
    rest = total - sum(PASS_TIME.values())
    print(f"of {total:.1f} s: {', '.join(parts)}, the rest {rest:.2f} s ({100 * rest / total:.0f}%)")


def baseline(rev: str, args: list[str]) -> None:
    """Run this benchmark with ``args`` on the reader of git revision ``rev``.

    The revision's tree is laid out as the installed package (``flowaudit`` with ``inventory``,
    ``loaders`` and ``graph`` inside it) and put first on the child's ``PYTHONPATH``.
    """
    got = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True)
    if got.returncode:
        print(f"extract_seed.py: --baseline {rev}: {got.stderr.decode().strip()}", file=sys.stderr)
        raise SystemExit(2)
    archive = got.stdout
    with tempfile.TemporaryDirectory(prefix="extract-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
        package = Path(tmp) / "path" / "flowaudit"
        shutil.copytree(tree / "flowaudit", package)
        for sub in ("inventory", "loaders", "graph"):
            (package / sub).symlink_to(tree / sub, target_is_directory=True)
        env = {**os.environ, "PYTHONPATH": str(package.parent)}
        print(f"--- baseline: revision {rev}", flush=True)
        # run from the temporary folder, so that this checkout's folder is not first on the path
        subprocess.run([sys.executable, __file__, *args], env=env, cwd=tmp, check=True)
        print("--- this tree", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Print the load time, then the seed's or the set's extraction times."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("policy", nargs="?", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--set", action="store_true", help="every policy of the folder POLICY (default: the test set)")
    ap.add_argument("--baseline", metavar="REV", help="measure git revision REV's reader first, in the same run")
    args = ap.parse_args(argv)
    if args.baseline:
        target = (args.policy or (POLICY_SET if args.set else SEED)).resolve()
        baseline(args.baseline, ["--set", str(target)] if args.set else ["--runs", str(args.runs), str(target)])
    _clock_parts()
    t0 = time.perf_counter()
    lexicon()
    _timed(SEED)  # loads the parser model and warms the caches
    print(f"lexicon, model and first extraction (once per process): {(time.perf_counter() - t0) * 1000:.0f} ms")
    if args.set:
        policy_set(args.policy or POLICY_SET)
    else:
        one(args.policy or SEED, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
