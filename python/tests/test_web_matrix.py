"""The project's shared web matrix (status, exact WWW-Authenticate, exact body per row) run
by its Rust runner against the standard app built on this package, for FastAPI (uvicorn),
Django REST framework and plain Django (Django's threaded WSGI server): every row must be
what axum and actix-web answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def start_app(framework: str, cfg: dict[str, object]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "apps.serve", framework, json.dumps(cfg)],
        cwd=HERE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        raise AssertionError(f"{framework} app did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


@pytest.mark.parametrize("framework", ["fastapi", "drf", "django"])
def test_matrix(framework: str, web_matrix_bin: Path) -> None:
    runner = subprocess.Popen([str(web_matrix_bin)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    apps: list[subprocess.Popen[str]] = []
    try:
        assert runner.stdout is not None and runner.stdin is not None
        hello = json.loads(runner.stdout.readline())
        urls = {}
        for name, cfg in hello["apps"].items():
            proc, url = start_app(framework, cfg)
            apps.append(proc)
            urls[name] = url
        runner.stdin.write(json.dumps(urls) + "\n")
        runner.stdin.flush()
        result = json.loads(runner.stdout.readline())
        runner.wait(timeout=60)
    finally:
        for proc in [runner, *apps]:
            proc.kill()
            proc.wait(timeout=10)
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()
    assert result["cases"] >= 45
    assert result["failures"] == []
