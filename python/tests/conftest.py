"""Fixtures of the Python package's tests. They import the installed wheel (never the
source tree: this directory, not python/, is on sys.path), and run against real servers on
127.0.0.1: the Rust test kit's issuer, Redis and PostgreSQL started by scripts/test.sh."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cognito_auth.testing import LocalIssuer

ROOT = Path(__file__).resolve().parents[2]
REQUIRE = os.environ.get("COGNITO_TEST_REQUIRE_SERVICES") == "1"


def service(name: str) -> str:
    """The URL of a service scripts/test.sh started (skip locally when absent; fail in the
    test command, where every service is required)."""
    value = os.environ.get(name)
    if not value:
        if REQUIRE:
            pytest.fail(f"{name} is not set")
        pytest.skip(f"{name} is not set (scripts/test.sh sets it)")
    return value


@pytest.fixture(scope="session")
def issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer(
        clients=[
            ("worker", "worker-secret", ["orders/read", "orders/write"]),
            ("other", "other-secret", ["orders/read"]),
        ]
    ) as iss:
        yield iss


@pytest.fixture
def fresh_issuer() -> Iterator[LocalIssuer]:
    """An issuer of the test's own (counters and faults are per test)."""
    with LocalIssuer(clients=[("worker", "worker-secret", ["orders/read", "orders/write"])]) as iss:
        yield iss


def test_bin(name: str) -> Path:
    """A binary of the Rust test suite (scripts/test-python.sh builds them)."""
    path = Path(os.environ.get("COGNITO_TEST_BIN_DIR", ROOT / "target/debug")) / name
    if not path.exists():
        if REQUIRE:
            pytest.fail(f"{path} is missing: cargo build -p cognito-auth-testsuite --bins")
        pytest.skip(f"{path} is missing")
    return path


@pytest.fixture(scope="session")
def web_matrix_bin() -> Path:
    """The Rust runner of the shared web matrix."""
    return test_bin("web_matrix")


@pytest.fixture(scope="session")
def hostile_tokens_bin() -> Path:
    """The Rust corpus of malformed and forged tokens, as JSON."""
    return test_bin("hostile_tokens")


class LoopTicker:
    """Counts the event loop's turns while the awaited work inside ``async with`` runs: a
    call that blocked the loop would leave it at (almost) zero."""

    def __init__(self) -> None:
        self.ticks = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            self.ticks += 1
            await asyncio.sleep(0)

    async def __aenter__(self) -> LoopTicker:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
