"""HAR load speed and memory on a large capture built from real entries, against the standard library's
``json.load`` and ijson iteration of the same file, measured in the same run.

    python benchmarks/har_load.py [--size-mb 50] [--bodies] [--dir DIR] [--keep] [--har FILE] [--breakdown]

Writes a HAR 1.2 of about ``--size-mb`` megabytes from the entries of the project's own captures
(``tests/data/evidence/har`` and ``examples/plimus/evidence``), repeated with varied hosts (a subdomain
per round) and paths (a path prefix per entry). Without ``--bodies`` the responses carry no content text,
as a crawl exported without bodies; with it every textual response carries a body of its declared
``content.size`` (the capture's own body text repeated) and images their base64. Then it measures, each
in a fresh process so that peak memory is its own:

- ``json.load``: the standard library parsing the whole file;
- ``ijson``: ``ijson.items(f, "log.entries.item")`` building every entry and doing nothing with it;
- ``extract``: ``flowaudit.loaders.har.extract_har`` on the file;
- with ``--breakdown``, two parts of it: ``startup`` (loading the registry, lexicons, word list and cookie
  database, which ``extract`` does before its first entry) and ``scan`` (the entry reader of
  ``loaders/har_entries.py`` decoding every entry, with nothing done with them).

Each phase is timed from after its modules are imported (loading the organisation registry and the
lexicons is part of ``extract``). Reports MB/s (file bytes / wall-clock seconds, 1 MB = 10**6 bytes), the
CPU seconds of the process (user + system, which a shared machine disturbs less than wall-clock time) and the
user part alone (``user s``, the process's own computation: system time is mostly the kernel mapping memory,
and ``json.load`` of a large file faults in hundreds of thousands of pages, whose cost on the shared machine
varied several times over between runs), the
whole process's wall-clock time (``process s``: interpreter start-up and imports included, as a user of the
command waits for it) and its ratio to ``json.load``'s, peak RSS (``ru_maxrss``) and the load average before
each phase, and whether extract meets the targets: at least 2× the throughput of ``json.load`` (5× with
bodies) and under 1 GB peak. ``--har`` measures an existing file (one written with ``--keep``) instead of
writing one; add ``--bodies`` when that file was written with bodies, for the 5× target.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = [ROOT / "tests" / "data" / "evidence" / "har" / name for name in
            ("chrome-checkout.har", "chrome-sanitized.har", "firefox-newsletter.har", "webpagetest-1.1.har",
             "mitmproxy-app.har")] + [ROOT / "examples" / "plimus" / "evidence" / "checkout.har"]
TARGET_PEAK_MB = 1024.0
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/x-javascript")


def real_entries(bodies: bool) -> list[dict]:
    """The entries of the project's captures; with ``bodies``, textual responses get a body of their size."""
    entries = []
    for path in CAPTURES:
        entries += json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]
    sample = " ".join(e["response"]["content"]["text"] for e in entries
                      if isinstance(e["response"].get("content", {}).get("text"), str)
                      and e["response"]["content"].get("encoding") != "base64")
    out = []
    for e in entries:
        e = copy.deepcopy(e)
        content = e["response"].setdefault("content", {})
        size = content.get("size") if isinstance(content.get("size"), int) else 0
        mime = str(content.get("mimeType") or "")
        if not bodies:
            content.pop("text", None)
            content.pop("encoding", None)
        elif size > len(content.get("text") or "") and mime.startswith(TEXT_TYPES):
            content["text"] = (sample * (size // max(len(sample), 1) + 1))[:size]
        elif size > 100 and mime.startswith("image/"):
            content.update(text=base64.b64encode(bytes(range(256)) * (size // 256 + 1))[: size * 4 // 3].decode(),
                           encoding="base64")
        out.append(e)
    return out


def _vary(url: str, round_: int, k: int) -> str:
    """``url`` on a host varied per round and a path varied per entry."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return url
    host = f"r{round_ % 50}.{parts.hostname}" if round_ else parts.hostname
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, f"/v{k % 997}{parts.path or '/'}", parts.query, parts.fragment))


def generate(path: Path, size_mb: float, bodies: bool = False) -> int:
    """Write a HAR of about ``size_mb`` MB from real entries to ``path``; return the number of entries."""
    templates = [json.dumps(e) for e in real_entries(bodies)]
    first = json.loads(CAPTURES[0].read_text(encoding="utf-8"))["log"]
    head = {"version": "1.2", "creator": first["creator"], "pages": first["pages"]}
    limit = int(size_mb * 1_000_000)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"log": head})[:-2] + ', "entries": [\n')
        written = fh.tell()
        while written < limit:
            e = json.loads(templates[n % len(templates)])
            e["request"]["url"] = _vary(e["request"]["url"], n // len(templates), n)
            chunk = ("," if n else "") + json.dumps(e) + "\n"
            fh.write(chunk)
            written += len(chunk)
            n += 1
        fh.write("]}}\n")
    return n


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _user() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_utime


def startup() -> None:
    """What ``extract`` loads before its first entry: the registry, the lexicons, the word list and the
    Open Cookie Database."""
    from flowaudit.inventory import organizations as orgs
    from flowaudit.loaders import cookies, redact
    from flowaudit.loaders.har import Capture

    Capture("startup", orgs.load(), "example.com")
    redact.dictionary()
    cookies.cookie_database()


def measure(phase: str, path: Path) -> dict:
    """Run one phase in this process; return its timing and peak RSS."""
    import ijson
    from flowaudit.loaders.har import extract_har

    load = os.getloadavg()[0]
    t0, c0, u0 = time.perf_counter(), _cpu(), _user()
    if phase == "json.load":
        with path.open("rb") as fh:
            result = {"entries": len(json.load(fh)["log"]["entries"])}
    elif phase == "startup":
        startup()
        result = {}
    elif phase == "scan":
        from flowaudit.loaders import har_entries

        result = {"entries": sum(1 for _ in har_entries.iter_entries(path, (), structs=True))}
    elif phase == "ijson":
        with path.open("rb") as fh:
            count = sum(1 for _ in ijson.items(fh, "log.entries.item", use_float=True, buf_size=1 << 20))
        result = {"entries": count, "backend": ijson.backend}
    else:
        records = extract_har(path)
        result = {"nodes": len(records.nodes), "flows": len(records.flows)}
    seconds, cpu, user = time.perf_counter() - t0, _cpu() - c0, _user() - u0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = path.stat().st_size / 1e6
    return {"phase": phase, "seconds": seconds, "mb_s": size_mb / seconds, "cpu": cpu, "cpu_mb_s": size_mb / cpu,
            "user": user, "peak_mb": peak_mb, "load": load, **result}


def _child(phase: str, path: Path) -> dict:
    """Measure ``phase`` in a fresh process; ``process`` is that process's whole wall-clock time (start-up,
    imports and the phase, as a user running the command waits for it)."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--measure", phase, str(path)], check=True,
                         capture_output=True, text=True)
    return dict(json.loads(out.stdout), process=time.perf_counter() - t0)


def main() -> int:
    """Generate, measure, report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=50)
    ap.add_argument("--bodies", action="store_true", help="textual responses carry bodies of their declared size")
    ap.add_argument("--dir", help="where to write the HAR (default: a temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the HAR")
    ap.add_argument("--har", help="measure this HAR (written by an earlier run with --keep) instead of writing one")
    ap.add_argument("--breakdown", action="store_true",
                    help="also time extract's start-up (data loading) and its scan of the entries alone")
    ap.add_argument("--measure", nargs=2, metavar=("PHASE", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        if args.har:
            path = Path(args.har)
            print(f"HAR {path}: {path.stat().st_size / 1e6:.1f} MB")
        else:
            path = Path(tmp) / "real-entries.har"
            t0 = time.perf_counter()
            entries = generate(path, args.size_mb, bodies=args.bodies)
            size_mb = path.stat().st_size / 1e6
            print(f"HAR from real entries ({'with' if args.bodies else 'without'} response bodies): {size_mb:.1f} MB, "
                  f"{entries} entries (written in {time.perf_counter() - t0:.1f} s)")
        phases = ("json.load", "ijson", "extract") + (("startup", "scan") if args.breakdown else ())
        rows = {phase: _child(phase, path) for phase in phases}
        print(f"{'phase':<12}{'seconds':>9}{'MB/s':>8}{'× json.load':>13}{'CPU s':>8}{'CPU MB/s':>10}"
              f"{'× json.load':>13}{'user s':>8}{'×':>7}{'process s':>11}{'×':>7}{'peak MB':>9}{'load':>6}")
        base, cpu_base = rows["json.load"]["mb_s"], rows["json.load"]["cpu_mb_s"]
        process_base, user_base = rows["json.load"]["process"], rows["json.load"]["user"]
        for phase, r in rows.items():
            print(f"{phase:<12}{r['seconds']:>9.2f}{r['mb_s']:>8.1f}{r['mb_s'] / base:>13.2f}{r['cpu']:>8.2f}"
                  f"{r['cpu_mb_s']:>10.1f}{r['cpu_mb_s'] / cpu_base:>13.2f}{r['user']:>8.2f}"
                  f"{user_base / max(r['user'], 1e-9):>7.2f}{r['process']:>11.2f}"
                  f"{process_base / r['process']:>7.2f}{r['peak_mb']:>9.0f}{r['load']:>6.1f}")
        load = rows["extract"]
        print(f"extract: {load['nodes']} nodes, {load['flows']} flows; ijson backend {rows['ijson']['backend']}")
        want = 5.0 if args.bodies else 2.0
        ok = load["mb_s"] >= want * base and load["peak_mb"] < TARGET_PEAK_MB
        verdict = "met" if ok else "NOT met"
        print(f"target (>= {want:.0f}× json.load wall-clock, < {TARGET_PEAK_MB:.0f} MB peak): {verdict}")
        if args.keep and not args.har:
            kept = Path(args.dir or ".") / "real-entries.har"
            path.replace(kept)
            print(f"kept {kept}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
