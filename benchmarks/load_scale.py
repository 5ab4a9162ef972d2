"""How load time grows with the number of declared flows: 10^3, 10^4 and 10^5 flows, each in its own process.

    python benchmarks/load_scale.py [--flows 1000 10000 100000] [--dir DIR]

For each size it writes a flowaudit manifest of one organisation whose one system collects 150 vocabulary
fields from the user and shares all of them with N vendors (N chosen so that the manifest declares about
the wanted number of flows), then, in a fresh process so that peak memory is its own, extracts it
(``flowaudit.loaders.sources.extract``, as ``flowaudit extract`` does) and loads the records into an
in-memory embedded store. It prints seconds and peak RSS (``ru_maxrss``) of each size, and for each step up
the ratio of time to the ratio of flows: the target is that 10× the flows costs at most 12× the time, and
10^5 flows in under 30 s. Apart, not part of the total: importing the loaders and the store, loading the
same records into a store file (``flowaudit load --store FILE``) and opening that file again.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIELDS = 150
KINDS = ["payment_processor", "email_service_provider", "analytics_provider", "hosting_provider",
         "advertising_provider", "fraud_prevention_provider", "support_provider", "supplier"]
TARGET_RATIO = 12.0
TARGET_SECONDS = 30.0


def field_ids() -> list[str]:
    """The first :data:`FIELDS` leaf-or-not field ids of the fields vocabulary, in its order."""
    from flowaudit.inventory import vocabulary

    ids = list(vocabulary.load("fields").terms)
    if len(ids) < FIELDS:
        raise SystemExit(f"the fields vocabulary has {len(ids)} terms, fewer than {FIELDS}")
    return ids[:FIELDS]


def write_manifest(path: Path, flows: int) -> int:
    """Write a manifest declaring about ``flows`` flows to ``path``; return the number of vendors."""
    vendors = max(1, round((flows - FIELDS) / FIELDS))
    fields = field_ids()
    lines = ["flowaudit: 1", "organization:", "  id: scaleco", "  name: Scale Co", "  domains: [scaleco.example]",
             "vendors:"]
    for v in range(vendors):
        lines += [f"  - id: vendor{v}", f"    name: Vendor {v}", f"    kind: {KINDS[v % len(KINDS)]}",
                  f"    domains: [vendor{v}.example]", "    country: US"]
    lines += ["systems:", "  - id: crm", "    name: Customer records", "    collects:",
              f"      - field: [{', '.join(fields)}]", "        from: customer", "        via: registration form",
              "        purposes: [account_management]", "    shares:"]
    for v in range(vendors):
        lines += [f"      - field: [{', '.join(fields)}]", f"        with: vendor{v}",
                  "        purposes: [basic_service]"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return vendors


def measure(path: Path) -> dict:
    """Extract ``path`` and load it into an in-memory embedded store, in this process; then, for comparison,
    import the policy reader, which the manifest path does not import."""
    start = time.perf_counter()
    from flowaudit.graph.embedded import EmbeddedStore
    from flowaudit.loaders.sources import extract

    t0 = time.perf_counter()
    records = extract([path])
    t1 = time.perf_counter()
    store = EmbeddedStore()
    store.load(records)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    flows = store.counts()["flows"]
    file = path.with_suffix(".store.json")
    t3 = time.perf_counter()
    EmbeddedStore(file).load(records)   # as flowaudit load --store FILE: the graph, then the file written
    t4 = time.perf_counter()
    EmbeddedStore(file)                 # as any command given --store FILE: the file read into the graph
    t5 = time.perf_counter()
    file.unlink()
    import flowaudit.loaders.policy_source  # noqa: F401  (spaCy and the trained pipeline's code)

    return {"flows": flows, "import_s": t0 - start, "extract_s": t1 - t0, "load_s": t2 - t1, "seconds": t2 - t0,
            "peak_mb": peak, "save_s": t4 - t3, "open_s": t5 - t4, "policy_import_s": time.perf_counter() - t5}


def main() -> int:
    """Write the manifests, measure each in a child process, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--flows", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--dir", help="where to write the manifests (default: a temporary directory)")
    ap.add_argument("--measure", metavar="FILE", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return 0
    rows = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for n in args.flows:
            path = Path(tmp) / f"manifest-{n}.yaml"
            vendors = write_manifest(path, n)
            out = subprocess.run([sys.executable, __file__, "--measure", str(path)], check=True,
                                 capture_output=True, text=True)
            rows.append({"vendors": vendors, **json.loads(out.stdout)})
    print(f"{'flows':>8}{'vendors':>9}{'import s':>10}{'extract s':>11}{'load s':>9}{'total s':>9}{'peak MB':>9}"
          f"{'flows ×':>9}{'time ×':>8}{'file load s':>13}{'open s':>8}")
    ok = True
    for k, r in enumerate(rows):
        grow = " " * 17
        if k:
            flows_x, time_x = r["flows"] / rows[k - 1]["flows"], r["seconds"] / rows[k - 1]["seconds"]
            grow = f"{flows_x:>9.1f}{time_x:>8.1f}"
            ok &= time_x <= TARGET_RATIO * flows_x / 10
        print(f"{r['flows']:>8}{r['vendors']:>9}{r['import_s']:>10.2f}{r['extract_s']:>11.2f}{r['load_s']:>9.2f}"
              f"{r['seconds']:>9.2f}{r['peak_mb']:>9.0f}{grow}{r['save_s']:>13.2f}{r['open_s']:>8.2f}")
    print(f"import s: the loaders and the embedded store, not counted in total s; importing the policy reader "
          f"(spaCy), which reading a manifest does not, took {min(r['policy_import_s'] for r in rows):.2f} s more.\n"
          "file load s: the same records loaded into a store file (the graph built, the file written); open s: "
          "that file opened again; neither counted in total s")
    biggest = rows[-1]
    ok &= biggest["flows"] < 100_000 or biggest["seconds"] < TARGET_SECONDS
    print(f"target (time × at most 1.2 × flows ×; 10^5 flows under {TARGET_SECONDS:.0f} s): "
          f"{'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
