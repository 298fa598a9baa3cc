"""The Python package installs into a fresh virtual environment with pip (no
PYTHONPATH) and the README example runs from there, finding the C library
through wirebook.use_library's path option or $WIREBOOK_READER_LIB."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import TIMEOUT_S, env_path

EXAMPLE = "examples/python/best_bid_ask.py"


def venv_python(tmp_path) -> str:
    """A fresh venv from Debian's python3 (python3-venv), with the package installed."""
    base = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    venv = tmp_path / "venv"
    # System site packages: Debian's setuptools and wheel build the package
    # (no package index here); nothing named wirebook is installed there.
    r = subprocess.run([base, "-m", "venv", "--system-site-packages", str(venv)],
                       capture_output=True, text=True, timeout=TIMEOUT_S * 4)
    if r.returncode != 0 and "ensurepip" in (r.stdout + r.stderr):
        pytest.skip("python3 -m venv has no ensurepip here (Debian package python3-venv)")
    assert r.returncode == 0, r.stdout + r.stderr
    py = str(venv / "bin" / "python")
    source = tmp_path / "src"  # a copy: pip's build must not write into the source tree
    shutil.copytree(os.path.join(env_path("WIREBOOK_SOURCE_ROOT"), "python"), source,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    r = subprocess.run([py, "-m", "pip", "install", "--no-index", "--no-build-isolation",
                        "--disable-pip-version-check", str(source)],
                       capture_output=True, text=True, timeout=TIMEOUT_S * 4)
    assert r.returncode == 0, r.stdout + r.stderr
    return py


def clean_env() -> dict:
    """No PYTHONPATH, no library variable: what a user's shell has."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "WIREBOOK_READER_LIB")}


def test_pip_installed_package_runs_the_readme_example(tmp_path, start_writer, instance_dir):
    py = venv_python(tmp_path)
    lib = env_path("WIREBOOK_READER_LIB")
    start_writer("notlive")
    env = clean_env()
    where = subprocess.run([py, "-c", "import wirebook; print(wirebook.__file__)"], env=env,
                           cwd=str(tmp_path), capture_output=True, text=True, timeout=TIMEOUT_S)
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(str(tmp_path / "venv")), where.stdout  # not the source tree
    # The library by the path option, then by the environment variable.
    example = os.path.join(env_path("WIREBOOK_SOURCE_ROOT"), EXAMPLE)
    code = ("import runpy, sys, wirebook; wirebook.use_library(sys.argv.pop(1)); "
            "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")
    r = subprocess.run([py, "-c", code, lib, example, instance_dir, "alpha", "SPOT_BTC_USDT"],
                       env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=TIMEOUT_S)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "bid 56749.15 x 1.03895025 ask 56749.2 x 2\n"
    r = subprocess.run([py, example, instance_dir, "alpha", "SPOT_BTC_USDT"],
                       env=dict(env, WIREBOOK_READER_LIB=lib), cwd=str(tmp_path),
                       capture_output=True, text=True, timeout=TIMEOUT_S)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "bid 56749.15 x 1.03895025 ask 56749.2 x 2\n"
    # Symbols listed as the segment holds them.
    r = subprocess.run([py, "-c", "import sys, wirebook; wirebook.use_library(sys.argv[1]); "
                        "print(wirebook.Venue.open(sys.argv[2], 'alpha').symbols())",
                        lib, instance_dir], env=env, cwd=str(tmp_path), capture_output=True,
                       text=True, timeout=TIMEOUT_S)
    assert r.returncode == 0, r.stderr
    assert "'SPOT_BTC_USDT'" in r.stdout
