"""scripts/neo4j-server refuses bad settings before it starts anything: exit 2 with what to do."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from tests.neo4j_fixtures import SERVER_SCRIPT


def script(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SERVER_SCRIPT), *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120, check=False)


def test_data_made_with_another_password_is_refused_saying_how_to_reset_it(tmp_path):
    data = tmp_path / "data"
    (data / "databases" / "system").mkdir(parents=True)
    (data / ".initial-password.sha256").write_text(hashlib.sha256(b"the-first-password").hexdigest() + "\n")
    done = script("start", NEO4J_PORT="7699", NEO4J_DATA_DIR=str(data), NEO4J_PASSWORD="another-password",
                  FLOWAUDIT_NEO4J_HOME=str(tmp_path / "home"))
    assert done.returncode == 2, done.stderr
    assert f"{data} was created with another password than NEO4J_PASSWORD" in done.stderr
    assert f"rm -rf '{data}'" in done.stderr
    assert not (tmp_path / "home" / "lib").exists()  # refused before fetching or starting anything


def test_an_unwritable_home_is_refused(tmp_path):
    done = script("start", FLOWAUDIT_NEO4J_HOME="/sys/flowaudit-neo4j", NEO4J_PORT="7699")
    assert done.returncode == 2 and "FLOWAUDIT_NEO4J_HOME=/sys/flowaudit-neo4j: cannot create or write" in done.stderr


def test_each_port_has_its_own_instance(tmp_path):
    """The help says where; status looks at the port's own pid file."""
    home = tmp_path / "home"
    help_ = script("--help", FLOWAUDIT_NEO4J_HOME=str(home)).stdout
    assert "<home>/instances/<port>/" in help_ and "Exit codes:" in help_
    for port in ("7698", "7699"):
        done = script("status", NEO4J_PORT=port, FLOWAUDIT_NEO4J_HOME=str(home))
        assert done.returncode == 3 and done.stdout.strip() == "stopped"
    assert not Path(home / "run").exists()


def test_a_bad_port_or_a_short_password_is_refused(tmp_path):
    home = str(tmp_path / "home")
    assert script("start", NEO4J_PORT="99999", FLOWAUDIT_NEO4J_HOME=home).returncode == 2
    done = script("start", NEO4J_PORT="7699", NEO4J_PASSWORD="short", FLOWAUDIT_NEO4J_HOME=home)
    assert done.returncode == 2 and "at least 8 characters" in done.stderr
