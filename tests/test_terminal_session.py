"""A real terminal session, recorded with tmux at 80 and 120 columns: the commands a user runs first
print tables that fit, so tmux never has to wrap a line. The captures are kept in tests/artifacts/
(tmux-80.txt, tmux-120.txt) for people to look at."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXAMPLE = "examples/plimus"
COMMANDS = [
    f'flowaudit trace "credit card number" {EXAMPLE}/policy.md',
    f"flowaudit audit {EXAMPLE}/policy.md {EXAMPLE}/evidence/* --summary",
    f"flowaudit load {EXAMPLE}/policy.md {EXAMPLE}/evidence/* --store {{store}}",
    "flowaudit audit --store {store}",
    "flowaudit fields --list --store {store}",
    'flowaudit recipients "e-mail address" --store {store}',
    "flowaudit matrix --store {store}",
    'flowaudit trace "credit card" --store {store}',
]


@pytest.mark.parametrize("width", [80, 120])
def test_a_tmux_session_has_no_wrapped_lines(tmp_path, artifacts, width):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    bindir = Path(sys.executable).parent
    store = "plimus.json"
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    done = tmp_path / "done"
    script = tmp_path / "session.sh"
    lines = ["set -u", f"export PATH={shlex.quote(str(bindir))}:$PATH", "unset COLUMNS LINES",
             f"cd {shlex.quote(str(tmp_path))}"]
    for cmd in COMMANDS:
        cmd = cmd.format(store=store)
        lines += [f"printf '%s\\n' {shlex.quote('$ ' + cmd)}", cmd]
    lines.append(f"touch {shlex.quote(str(done))}")
    script.write_text("\n".join(lines) + "\n")
    conf = tmp_path / "tmux.conf"
    conf.write_text("set -g history-limit 50000\n")
    sock = f"flowaudit-test-{os.getpid()}-{width}"
    tmux = ["tmux", "-L", sock, "-f", str(conf)]
    subprocess.run([*tmux, "new-session", "-d", "-x", str(width), "-y", "50", "-s", "s",
                    f"bash --noprofile --norc {shlex.quote(str(script))}; sleep 600"], check=True)
    try:
        deadline = time.monotonic() + 300
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert done.exists(), "the session did not finish"
        pane = subprocess.run([*tmux, "display", "-p", "-t", "s", "#{pane_width}"], capture_output=True, text=True,
                              check=True).stdout.strip()
        assert pane == str(width)
        raw = subprocess.run([*tmux, "capture-pane", "-p", "-S", "-", "-t", "s"], capture_output=True, text=True,
                             check=True).stdout
        joined = subprocess.run([*tmux, "capture-pane", "-p", "-J", "-S", "-", "-t", "s"], capture_output=True,
                                text=True, check=True).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)
    (artifacts / f"tmux-{width}.txt").write_text(raw, encoding="utf-8")
    out = [line.rstrip() for line in joined.splitlines()]
    assert "Recipients, the worst first" in joined and "did you mean 'credit card number'" in joined
    assert "Traceback" not in joined
    # a line tmux wrapped is joined back by -J; the only long lines allowed are the echoed commands and
    # the one-line error message, which a terminal wraps like any text
    too_long = [line for line in out if len(line) > width and not line.startswith(("$ ", "flowaudit: error:"))]
    assert too_long == []
