"""Shared fixtures: the seed policy, the other policies, and graphs built from them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flowaudit.inventory.records import Records
from flowaudit.loaders.policy import extract_policy

from flowaudit.api import FlowGraph

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "plimus" / "policy.md"
POLICIES = ROOT / "tests" / "data" / "policies"
POLICY_FILES = sorted(p for p in POLICIES.glob("*.md") if p.name != "SOURCES.md")


@pytest.fixture(scope="session")
def seed_records() -> Records:
    """The seed policy read once per test session."""
    return extract_policy(SEED)


@pytest.fixture(scope="session")
def seed_graph() -> FlowGraph:
    """An in-memory graph of the seed policy."""
    return FlowGraph.from_sources([SEED])


EXAMPLE_EVIDENCE = sorted((ROOT / "examples" / "plimus" / "evidence").iterdir())
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
def example_graph() -> FlowGraph:
    """An in-memory graph of the seed policy and the example evidence."""
    return FlowGraph.from_sources([SEED, *EXAMPLE_EVIDENCE])


@pytest.fixture(scope="session")
def browser() -> str:
    """A headless Chromium or Chrome; missing, the test skips on a dev machine and fails in CI (CI=true)."""
    from flowaudit.graph.export import BrowserMissingError, browser_path

    try:
        return browser_path()
    except BrowserMissingError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI needs a browser for the static exports and the report test: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """tests/artifacts/ (git-ignored): files a test keeps for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
