"""Neo4j fixtures: a clean database on the local server (``scripts/neo4j-server start``).

Without a server the Neo4j tests skip, saying why; in CI (``CI=true``) they fail instead. Test
modules that need these fixtures name this module in ``pytest_plugins``; as they also import its
helpers first, it is marked PYTEST_DONT_REWRITE (it has no asserts to rewrite).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from flowaudit.graph.neo4j_store import Neo4jStore, StoreUnavailableError
from neo4j.exceptions import AuthError

ROOT = Path(__file__).resolve().parent.parent
SERVER_SCRIPT = ROOT / "scripts" / "neo4j-server"


def in_ci() -> bool:
    """True when running in CI, where a missing server is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> NoReturn:
    """Skip the test with ``reason``; in CI, fail it."""
    if in_ci():
        pytest.fail(f"CI runs the Neo4j tests for real: {reason}")
    pytest.skip(reason)


def java_missing() -> str | None:
    """Why the local server cannot run here (no Java), or None."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and Path(java_home, "bin", "java").exists():
        return None
    return None if shutil.which("java") else "no Java on this machine (Neo4j needs Java 17 or 21)"


def neo4j_auth() -> tuple[str, str]:
    """NEO4J_USERNAME (default neo4j) and NEO4J_PASSWORD (default: the local server's flowaudit-dev)."""
    return os.environ.get("NEO4J_USERNAME") or "neo4j", os.environ.get("NEO4J_PASSWORD") or "flowaudit-dev"


def neo4j_home() -> Path:
    """The Neo4j home of ``scripts/neo4j-server``: its jars, and one instance per port."""
    version = os.environ.get("FLOWAUDIT_NEO4J_VERSION", "5.26.30")
    return Path(os.environ.get("FLOWAUDIT_NEO4J_HOME") or Path.home() / ".cache" / "flowaudit" / f"neo4j-{version}")


def local_uri(port: int | str | None = None) -> str:
    """bolt://127.0.0.1 on ``port``, else on NEO4J_PORT (default 7687)."""
    return f"bolt://127.0.0.1:{port or os.environ.get('NEO4J_PORT') or 7687}"


def wipe(store: Neo4jStore) -> None:
    """Delete everything in the store's database (the schema stays), in batches, so that a large graph
    left by the benchmark does not outgrow the server's transaction memory."""
    with store.driver.session(database=store.database) as session:
        session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jStore]:
    """A connection to the local Neo4j server, for the whole session."""
    uri = local_uri()
    try:
        store = Neo4jStore(uri, auth=neo4j_auth())
    except StoreUnavailableError as exc:
        if isinstance(exc.__cause__, AuthError):
            unavailable(f"the Neo4j server at {uri} refused the login of {neo4j_auth()[0]!r}: NEO4J_PASSWORD is not "
                        f"the password its data was created with ({exc})")
        why, reason = java_missing(), f"no Neo4j server: {exc} (start one with scripts/neo4j-server start)"
        unavailable(f"{why}; {reason}" if why else reason)
    yield store
    store.close()


@pytest.fixture
def neo4j_store(neo4j_server: Neo4jStore) -> Neo4jStore:
    """The local Neo4j store with an empty database."""
    wipe(neo4j_server)
    return neo4j_server
