"""HAR load speed and memory on a large synthetic capture, against a parse-only baseline in the same run.

    python benchmarks/har_load.py [--size-mb 500] [--no-bodies] [--dir DIR] [--keep]

Writes a synthetic HAR 1.2 of about ``--size-mb`` megabytes (Chrome-style entries: pages with HTML,
scripts and styles with text bodies, images as base64, third-party beacons and pixels with query
strings, JSON and form posts carrying personal data, Set-Cookie headers; ``--no-bodies`` leaves the
response bodies out, which makes ten times as many entries per megabyte), then measures, each in a
fresh process so that peak memory is its own:

- baseline: ``ijson.items(f, "log.entries.item")`` over the same file, building every entry and doing
  nothing with it (the parser's ceiling);
- loader: ``extract_har`` on the file.

Reports MB/s (file bytes / wall-clock seconds, 1 MB = 10**6 bytes) and peak RSS (``ru_maxrss``) for
both, and whether the loader meets the target (at least 30 MB/s, under 1 GB peak).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MB_S = 30.0
TARGET_PEAK_MB = 1024.0
SITES = ["www.lumenware-demo.com", "shop.lumenware-demo.com", "static.lumenware-demo.com"]
THIRD = [
    ("https://www.google-analytics.com/g/collect", "ping", 204, "text/plain", 0),
    ("https://www.facebook.com/tr/", "image", 200, "image/gif", 43),
    ("https://connect.facebook.net/en_US/fbevents.js", "script", 200, "application/javascript", 90_000),
    ("https://www.googletagmanager.com/gtag/js", "script", 200, "application/javascript", 110_000),
    ("https://ad.doubleclick.net/activity", "image", 200, "image/gif", 42),
    ("https://static.hotjar.com/c/hotjar-3841177.js", "script", 200, "application/javascript", 6_000),
    ("https://api.segment.io/v1/t", "xhr", 200, "application/json", 16),
    ("https://cdn.widgetfabrik.io/v3/reviews.js", "script", 200, "application/javascript", 30_000),
    ("https://fonts.gstatic.com/s/inter/v13/UcC73FwrK3iLTeHuS.woff2", "font", 200, "font/woff2", 48_000),
]
UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/126.0.0.0 Safari/537.36")


def _entry(rng: random.Random, i: int, text: str, blob: str) -> dict:
    """One realistic Chrome entry (``text`` and ``blob`` are empty for a capture without bodies)."""
    page = f"https://{SITES[0]}/catalog/item-{rng.randrange(5000)}"
    headers = [{"name": ":authority", "value": ""}, {"name": "accept", "value": "*/*"},
               {"name": "accept-language", "value": "en-US,en;q=0.9"}, {"name": "user-agent", "value": UA},
               {"name": "referer", "value": page}, {"name": "sec-ch-ua-platform", "value": "\"macOS\""}]
    resp_headers = [{"name": "content-type", "value": ""}, {"name": "cache-control", "value": "max-age=3600"},
                    {"name": "date", "value": "Mon, 11 Mar 2024 09:15:02 GMT"}, {"name": "server", "value": "nginx"}]
    post = None
    roll = rng.random()
    if roll < 0.45:                                           # first-party document, script, style or image
        kind = rng.choice(["document", "script", "stylesheet", "image"])
        url = f"https://{rng.choice(SITES)}/assets/{kind}/{rng.randrange(10**6):x}.{kind[:3]}?v={rng.randrange(999)}"
        mime = {"document": "text/html", "script": "application/javascript", "stylesheet": "text/css",
                "image": "image/png"}[kind]
        size = rng.randrange(2_000, 60_000)
        content = {"size": size, "mimeType": mime}
        if kind == "image" and blob:
            content.update(text=blob[: size * 4 // 3], encoding="base64")
        elif text:
            content["text"] = text[: size]
        status = 200
    elif roll < 0.9:                                          # third party: beacons, pixels, scripts
        base, kind, status, mime, size = rng.choice(THIRD)
        user = f"user{rng.randrange(10**5)}@example.com"
        query = (f"id=1183647265519021&ev=PageView&dl={page}&rl=https%3A%2F%2Fwww.bing.com%2F&ts={1710148503021 + i}"
                 f"&ud[em]={hashlib.sha256(user.encode()).hexdigest()}&cid=1843227710.{i}&sr=1512x982&v=2.9.149")
        url = f"{base}?{query}"
        content = {"size": size, "mimeType": mime}
        if size > 100 and text:
            content["text"] = text[: min(size, 40_000)]
        if kind == "xhr":
            post = {"mimeType": "application/json", "text": json.dumps(
                {"userId": str(rng.randrange(10**8)), "event": "Viewed Item",
                 "traits": {"email": user, "firstName": "Sam", "plan": "pro"}, "properties": {"sku": f"LW-{i}"}})}
    else:                                                     # first-party form and API posts
        kind, status, mime = "fetch", 201, "application/json"
        url = f"https://{SITES[1]}/api/orders"
        post = {"mimeType": "application/json", "text": json.dumps(
            {"customer": {"email": f"buyer{rng.randrange(10**5)}@example.com", "name": "Jordan Mills",
                          "phone": "+1 415 555 0132"}, "shipping": {"zip": "94107", "city": "San Francisco"},
             "items": [{"sku": f"LW-{k}", "name": "Lumen Lamp", "qty": 1} for k in range(rng.randrange(1, 6))]})}
        content = {"size": 88, "mimeType": mime, "text": "{\"order\":\"ok\"}"}
        resp_headers.append({"name": "set-cookie", "value": f"cart={rng.randrange(10**12):x}; Path=/; Max-Age=86400"})
    e = {"_initiator": {"type": "script"}, "_priority": "Low", "_resourceType": kind, "cache": {},
         "connection": "443", "pageref": "page_1",
         "request": {"method": "POST" if post else "GET", "url": url, "httpVersion": "http/2.0", "headers": headers,
                     "queryString": [], "cookies": [], "headersSize": -1, "bodySize": len(post["text"]) if post else 0},
         "response": {"status": status, "statusText": "", "httpVersion": "http/2.0", "headers": resp_headers,
                      "cookies": [], "content": content, "redirectURL": "", "headersSize": -1,
                      "bodySize": content["size"], "_transferSize": content["size"] + 200, "_error": None},
         "serverIPAddress": "203.0.113.10", "startedDateTime": "2024-03-11T09:15:02.118Z", "time": 45.3,
         "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 42.5,
                     "receive": 1.3}}
    if post:
        e["request"]["postData"] = post
    return e


def generate(path: Path, size_mb: float, bodies: bool = True, seed: int = 11) -> int:
    """Write a synthetic HAR of about ``size_mb`` MB to ``path``; return the number of entries."""
    rng = random.Random(seed)
    words = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "tempor"]
    text = " ".join(rng.choice(words) for _ in range(20_000)) if bodies else ""
    blob = base64.b64encode(rng.randbytes(90_000)).decode() if bodies else ""
    limit = int(size_mb * 1_000_000)
    head = {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [{"startedDateTime": "2024-03-11T09:15:02.101Z", "id": "page_1",
                       "title": f"https://{SITES[0]}/", "pageTimings": {"onContentLoad": 612.4, "onLoad": 1190.7}}]}
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"log": head})[:-2] + ', "entries": [\n')
        written = fh.tell()
        while written < limit:
            chunk = ("," if n else "") + json.dumps(_entry(rng, n, text, blob)) + "\n"
            fh.write(chunk)
            written += len(chunk)
            n += 1
        fh.write("]}}\n")
    return n


def measure(phase: str, path: Path) -> dict:
    """Run one phase in this process; return its timing and peak RSS."""
    t0 = time.perf_counter()
    if phase == "baseline":
        import ijson

        with path.open("rb") as fh:
            count = sum(1 for _ in ijson.items(fh, "log.entries.item", use_float=True, buf_size=1 << 20))
        result = {"entries": count, "backend": ijson.backend}
    else:
        from flowaudit.loaders.har import extract_har

        records = extract_har(path)
        result = {"nodes": len(records.nodes), "flows": len(records.flows)}
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"phase": phase, "seconds": seconds, "mb_s": path.stat().st_size / 1e6 / seconds, "peak_mb": peak_mb,
            **result}


def _child(phase: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", phase, str(path)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> int:
    """Generate, measure, report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=500)
    ap.add_argument("--dir", help="where to write the synthetic HAR (default: a temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the synthetic HAR")
    ap.add_argument("--no-bodies", action="store_true",
                    help="leave response bodies out (an export without content: many more, smaller entries)")
    ap.add_argument("--measure", nargs=2, metavar=("PHASE", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return 0
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "synthetic.har"
        t0 = time.perf_counter()
        entries = generate(path, args.size_mb, bodies=not args.no_bodies)
        size_mb = path.stat().st_size / 1e6
        print(f"synthetic HAR: {size_mb:.1f} MB, {entries} entries (written in {time.perf_counter() - t0:.1f} s)")
        base = _child("baseline", path)
        load = _child("loader", path)
        print(f"baseline  ijson items ({base['backend']}): {base['seconds']:6.1f} s  {base['mb_s']:6.1f} MB/s  "
              f"peak RSS {base['peak_mb']:6.0f} MB")
        print(f"loader    extract_har:             {load['seconds']:6.1f} s  {load['mb_s']:6.1f} MB/s  "
              f"peak RSS {load['peak_mb']:6.0f} MB  ({load['nodes']} nodes, {load['flows']} flows)")
        print(f"loader / baseline speed: {load['mb_s'] / base['mb_s']:.2f}")
        ok = load["mb_s"] >= TARGET_MB_S and load["peak_mb"] < TARGET_PEAK_MB
        print(f"target (>= {TARGET_MB_S:.0f} MB/s, < {TARGET_PEAK_MB:.0f} MB peak): {'met' if ok else 'NOT met'}")
        if args.keep:
            kept = Path(args.dir or ".") / "synthetic.har"
            path.replace(kept)
            print(f"kept {kept}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
