"""Write the graph in every export format: the HTML report, static diagrams, graph files, the record
of processing, DPV JSON-LD and a Fides manifest.

Static diagrams (svg, png, pdf) are drawn by plotly through kaleido in a headless Chromium: the
browser named by ``BROWSER_PATH``, else ``chromium`` (Debian's package) or Chrome on the ``PATH``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import kaleido
import plotly.graph_objects as go

from . import audit, diagrams, dpv, fides_export, figures, report, ropa
from .store import Store

FORMATS = ("html", "svg", "png", "pdf", "graphml", "dot", "mermaid", "ropa-xlsx", "ropa-csv", "dpv-jsonld",
           "fides")
IMAGE_FORMATS = ("svg", "png", "pdf")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
INSTALL_HINT = ("install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`, or run "
                "scripts/install-chromium as root) or set BROWSER_PATH to a Chrome or Chromium executable")


class BrowserMissingError(RuntimeError):
    """No Chromium or Chrome to draw static diagrams with."""


def browser_path() -> str:
    """The browser kaleido draws with: ``BROWSER_PATH`` if set, else the first of :data:`BROWSERS` found."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured
        raise BrowserMissingError(f"BROWSER_PATH={configured} is not an executable browser; {INSTALL_HINT}")
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissingError(f"static diagrams need a headless browser and none was found; {INSTALL_HINT}")


def write_image(fig: go.Figure, path: str | Path, fmt: str, width: int = 1400) -> None:
    """Draw ``fig`` as ``fmt`` (svg, png, pdf) into ``path`` with kaleido, offline (no MathJax)."""
    height = int(fig.layout.height or 800)
    data = kaleido.calc_fig_sync(fig, opts={"format": fmt, "width": width, "height": height},
                                 kopts={"path": browser_path(), "mathjax": False})
    Path(path).write_bytes(data)


def classes_of(findings: Iterable[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(field id, recipient id) → the most severe flow class among ``findings`` (the audit's)."""
    out: dict[tuple[str, str], str] = {}
    for f in findings:
        if f.get("class") in figures.CLASS_COLOURS and f.get("field") and f.get("recipient"):
            key = (f["field"]["id"], f["recipient"]["id"])
            out[key] = figures.worst([out[key], f["class"]]) if key in out else f["class"]
    return out


def export(store: Store, fmt: str, path: str | Path, field: str | None = None,
           findings: list[dict[str, Any]] | None = None) -> Path:
    """Write the graph in ``store`` as ``fmt`` to ``path``; return the path.

    ``field`` (a label or alias) narrows diagrams, graph files and DPV to that field and its narrower
    and broader fields, and draws that field's Sankey as the static diagram. ``findings`` fill the
    report's findings table and colour the flows by class; without them the store is audited when it
    holds a policy.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"{path}: the directory {path.parent} does not exist")
    records = store.records()
    if findings is None:
        findings = audit.audit_records(records) if audit.has_policy(records) else None
    classes = classes_of(findings or [])
    field_ids = set(store.related(store.resolve(field, ("field",))["id"])) if field else None
    if fmt in IMAGE_FORMATS:
        fig = figures.field_sankey(store, field, classes) if field else figures.organisation_sankey(records, classes)
        write_image(fig, path, fmt)
    elif fmt == "html":
        report.write_html_report(store, path, findings, classes)
    elif fmt == "ropa-xlsx":
        ropa.write_ropa_xlsx(store, path)
    elif fmt == "ropa-csv":
        ropa.write_ropa_csv(store, path)
    elif fmt == "graphml":
        diagrams.write_graphml(records, path, classes, field_ids)
    elif fmt == "dpv-jsonld":
        dpv.write_dpv(records, path, classes, field_ids)
    elif fmt == "fides":
        fides_export.write_fides(records, path)
    else:
        text = (diagrams.dot if fmt == "dot" else diagrams.mermaid)(records, classes, field_ids)
        path.write_text(text, encoding="utf-8")
    return path
