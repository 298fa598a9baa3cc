"""Fixtures for the Python reader tests: the test writer from tests/tools
(known books, see tests/tools/known_books.hpp) in a private directory, and
the real `wirebook` CLI. Paths come from meson (tests/python/meson.build)."""

import json
import os
import select
import subprocess
import time

import pytest

TIMEOUT_S = 60.0  # generous: the machine is shared with other builds


def env_path(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set (run through meson test)")
    return value


def native_env() -> dict:
    """The environment for our C++ executables: without the LD_PRELOAD a
    sanitizer tree gives python3 (meson.build). A clang-instrumented
    executable carries its own ASan runtime and refuses a second one."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


def wait_until(cond, timeout_s: float = TIMEOUT_S, step_s: float = 0.005) -> bool:
    """Polls cond() until true or the timeout; bounded, never a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(step_s)
    return True


class Writer:
    """tools_test_writer DIR SCENARIO, running until stop()."""

    def __init__(self, dir_: str, scenario: str):
        self.proc = subprocess.Popen([env_path("WIREBOOK_TEST_WRITER"), dir_, scenario],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=native_env())
        ready, _, _ = select.select([self.proc.stdout], [], [], TIMEOUT_S)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("READY "):
            self.stop(9)
            pytest.fail(f"test writer not ready: {line!r} {self.proc.stderr.read().decode()}")
        self.fields = dict(kv.split("=", 1) for kv in line.split()[1:])

    def generation(self, venue: str) -> int:
        return int(self.fields[f"{venue}_generation"], 16)

    def stop(self, sig: int = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=TIMEOUT_S)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc


@pytest.fixture
def instance_dir(tmp_path):
    return str(tmp_path / "inst")  # created by the writer (mode checks apply to it)


@pytest.fixture
def start_writer(instance_dir):
    started = []

    def start(scenario: str = "books") -> Writer:
        w = Writer(instance_dir, scenario)
        started.append(w)
        return w

    yield start
    for w in started:
        if w.proc.poll() is None:
            w.stop(9)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([env_path("WIREBOOK_CLI"), *args], capture_output=True, text=True,
                          timeout=TIMEOUT_S, env=native_env())


def dump_json(dir_: str):
    r = run_cli("dump", "--json", "--dir", dir_)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]
