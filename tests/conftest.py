"""Shared fixtures: the seed policy, the other policies, and graphs built from them."""

from __future__ import annotations

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
