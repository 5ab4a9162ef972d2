"""The HTML report opened in headless Chromium: the Sankey draws, text from the policy stays text."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from flowaudit.graph import export

from flowaudit.api import FlowGraph
from tests.conftest import EXAMPLE_EVIDENCE, SEED
from tests.test_exports import INJECTED_POLICY

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--virtual-time-budget=20000"]


def chromium(browser: str, *args: str) -> str:
    """Run the browser headless with a fresh profile; return what it prints."""
    with tempfile.TemporaryDirectory(prefix="flowaudit-chromium-") as profile:
        done = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def report(artifacts) -> Path:
    """The report of the seed, the example evidence and a policy whose sentence holds a script."""
    policy = artifacts / "injected-policy.txt"
    policy.write_text(INJECTED_POLICY, encoding="utf-8")
    graph = FlowGraph.from_sources([SEED, *EXAMPLE_EVIDENCE, policy])
    return export.export(graph.store, "html", artifacts / "report.html")


def test_the_sankey_draws_and_the_script_stays_text(browser, report):
    dom = chromium(browser, "--dump-dom", report.as_uri())
    assert dom.count('class="main-svg"') >= 3
    assert len(re.findall(r'<path class="sankey-link"', dom)) > 40
    assert "<script>alert(" not in dom
    assert "&lt;script&gt;alert('flowaudit')&lt;/script&gt;" in dom  # shown as text in the statements table


def test_screenshot_is_kept(browser, report, artifacts):
    shot = artifacts / "report.png"
    shot.unlink(missing_ok=True)
    chromium(browser, "--window-size=1280,2400", f"--screenshot={shot}", report.as_uri())
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 50_000


def test_the_first_screen_shows_the_verdict(browser, report, artifacts):
    """A 1280×900 screenshot (kept as tests/artifacts/report-first-screen.png): the verdict's class
    badges are drawn in it, the undisclosed recipients before the vaguely disclosed ones."""
    from flowaudit.graph.figures import CLASS_COLOURS
    from PIL import Image

    shot = artifacts / "report-first-screen.png"
    shot.unlink(missing_ok=True)
    chromium(browser, "--window-size=1280,900", f"--screenshot={shot}", report.as_uri())
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 900)

    def rows_of(colour: str) -> list[int]:
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        px = image.load()
        return sorted({y for y in range(image.size[1]) for x in range(0, 640, 2) if px[x, y] == rgb})

    omitted, vague = rows_of(CLASS_COLOURS["omitted"]), rows_of(CLASS_COLOURS["vague"])
    assert len(omitted) > 8 and len(vague) > 8  # badges of the verdict table (omitted: also the errors count)
    assert omitted[0] < vague[0]  # the worst first
    dom = chromium(browser, "--dump-dom", report.as_uri())
    assert dom.index("<h2>Verdict</h2>") < dom.index('class="verdict"') < dom.index("<h2>Flows of the organisation")
