"""The install path a user takes: make's one-line errors, and the offline wheelhouse."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """make in a process group of its own: on a timeout the whole group is killed, so that no
    installer or compiler it started goes on using the machine after the test has failed."""
    command = ["make", "--no-print-directory", "-C", str(REPO), *args]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or dict(os.environ),
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def offline(command: list[str]) -> list[str]:
    """The command in a network namespace of its own: no interface but loopback."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to cut the network off")
    return ["unshare", "-n" if os.geteuid() == 0 else "-rn", *command]


def without_machine_pip_config() -> dict[str, str]:
    """This process's environment minus pip's machine-wide extras (local mirrors, wheel dirs)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def test_a_missing_python_is_named_in_one_line(tmp_path: Path) -> None:
    done = make("PYTHON=python2.7-nowhere", f"VENV={tmp_path / 'venv'}", "install")
    assert done.returncode != 0
    assert "needs Python 3.11 or newer and 'python2.7-nowhere' was not found" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "venv").exists()


def test_an_old_python_is_named_with_its_version(tmp_path: Path) -> None:
    old = tmp_path / "python3.9"
    old.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "Python 3.9.2" && exit 0\nexit 1\n')
    old.chmod(0o755)
    done = make(f"PYTHON={old}", f"VENV={tmp_path / 'venv'}", "install")
    assert done.returncode != 0
    assert "needs Python 3.11 or newer; " in done.stderr
    assert "is Python 3.9.2" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_broken_virtualenv_is_made_anew(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    for name in ("python", "python3"):
        (venv / "bin" / name).unlink(missing_ok=True)
        (venv / "bin" / name).symlink_to("/nonexistent/python3")
    # Not compiled: what is tested is that the venv is made anew, not how long compiling takes.
    done = make(f"VENV={venv}", "install", env={**os.environ, "UV_COMPILE_BYTECODE": "0"})
    assert done.returncode == 0, done.stderr
    assert f"the virtualenv {venv} is broken" in done.stderr
    check = subprocess.run([str(venv / "bin" / "python"), "-c", "import vinculo, fastapi"])
    assert check.returncode == 0


def test_no_network_names_the_failed_step_and_what_to_do(tmp_path: Path) -> None:
    env = {**os.environ, "UV_CACHE_DIR": str(tmp_path / "empty-cache")}
    done = subprocess.run(
        offline(
            ["make", "--no-print-directory", "-C", str(REPO), f"VENV={tmp_path / 'v'}", "install"]
        ),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-2]  # the line before make's own "Error 2"
    assert last.startswith("make: installing the locked runtime packages failed: ")
    assert "Is the package index reachable?" in last
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_the_wheelhouse_installs_and_runs_with_no_network(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    built = make(f"WHEELHOUSE={wheelhouse}", "wheelhouse")
    assert built.returncode == 0, built.stderr[-3000:]
    assert list(wheelhouse.glob("vinculo-*.whl"))
    env = without_machine_pip_config()
    env["PIP_NO_COMPILE"] = "1"  # bytecode compiling is pip's own business, and slow
    venv = tmp_path / "vinculo"
    installed = subprocess.run(
        offline(["sh", str(wheelhouse / "install.sh"), str(venv)]),
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert "Installed:" in installed.stdout
    # Installed, not editable: the front-end travelled inside the wheel.
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import vinculo, sys; print(vinculo.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    package = Path(found.stdout.strip()).parent
    assert str(package).startswith(str(venv))
    assert (package / "web" / "static" / "css" / "app.css").is_file()
    seeded = subprocess.run(
        offline([str(venv / "bin" / "vinculo"), "demo", "--no-serve"]),
        capture_output=True,
        text=True,
        env={**env, "VINCULO_DATA_DIR": str(tmp_path / "data")},
        timeout=600,
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert "Resolution run:" in seeded.stderr


def load_wheel_cache() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wheel_cache", REPO / "scripts/wheel-cache.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def wheelhouse_with(path: Path, source_hash: str, wheel: bytes | None) -> Path:
    """A wheelhouse as `make wheelhouse` leaves it after pip wheel: the lock's requirements,
    and (when given) the wheel pip built from the one package locked as a source archive."""
    path.mkdir()
    (path / "requirements.txt").write_text(
        "# exported by uv\n"
        "built-here==2.17 ; sys_platform == 'linux' \\\n"
        f"    --hash=sha256:{source_hash}\n"
        "    # via something\n"
        "as-published==1.0 \\\n"
        f"    --hash=sha256:{'b' * 64}\n"
    )
    if wheel is not None:
        (path / "built_here-2.17-cp311-cp311-linux_x86_64.whl").write_bytes(wheel)
    return path


def test_a_wheel_built_from_source_is_kept_and_used_only_while_it_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache_module = load_wheel_cache()
    cache = tmp_path / "cache"
    locked = "a" * 64
    first = wheelhouse_with(tmp_path / "first", locked, b"compiled once")
    cache_module.keep(first, cache)

    again = wheelhouse_with(tmp_path / "again", locked, None)
    cache_module.take(again, cache)
    assert (again / "built_here-2.17-cp311-cp311-linux_x86_64.whl").read_bytes() == (
        b"compiled once"
    )
    fetch = (again / "fetch.txt").read_text()
    assert "built-here" not in fetch and "as-published==1.0" in fetch

    # Another lock for the same version: the kept wheel is not that source's.
    relocked = wheelhouse_with(tmp_path / "relocked", "c" * 64, None)
    cache_module.take(relocked, cache)
    assert not list(relocked.glob("*.whl"))
    assert "built-here==2.17" in (relocked / "fetch.txt").read_text()

    # A kept wheel changed on disk is thrown away, with a line saying so, and built again.
    [kept] = cache.glob("*/built_here-2.17-*/*.whl")
    kept.write_bytes(b"changed")
    changed = wheelhouse_with(tmp_path / "changed", locked, None)
    cache_module.take(changed, cache)
    assert not list(changed.glob("*.whl"))
    assert "built-here==2.17" in (changed / "fetch.txt").read_text()
    assert "its SHA-256 differs" in capsys.readouterr().err
    assert not kept.parent.exists()

    # No cache named: everything is fetched, nothing is kept.
    off = wheelhouse_with(tmp_path / "off", locked, b"compiled once")
    cache_module.take(off, None)
    cache_module.keep(off, None)
    assert "built-here==2.17" in (off / "fetch.txt").read_text()
    assert not list(cache.glob("*/built_here-*"))


def test_a_wheel_the_lock_lists_is_not_kept_whichever_of_its_versions_it_is(
    tmp_path: Path,
) -> None:
    cache_module = load_wheel_cache()
    wheel = b"as published"
    digest = hashlib.sha256(wheel).hexdigest()
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    # One package at two versions for two Pythons, as uv exports numpy.
    (wheelhouse / "requirements.txt").write_text(
        f"numpy==2.4.6 ; python_full_version < '3.12' \\\n    --hash=sha256:{digest}\n"
        f"numpy==2.5.5 ; python_full_version >= '3.12' \\\n    --hash=sha256:{'d' * 64}\n"
    )
    (wheelhouse / "numpy-2.4.6-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(wheel)
    cache_module.keep(wheelhouse, tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("*/*"))


def built_wheel(path: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    """A wheel of built_here 2.17 for this Python holding `files`; returns what it installs."""
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    record = "".join(
        f"{name},sha256={hashlib.sha256(data).hexdigest()},{len(data)}\n"
        for name, data in files.items()
    )
    record += "built_here-2.17.dist-info/RECORD,,\n"
    installed = {**files, "built_here-2.17.dist-info/RECORD": record.encode()}
    path.mkdir(parents=True)
    with zipfile.ZipFile(path / f"built_here-2.17-{tag}-{tag}-linux_x86_64.whl", "w") as z:
        for name, data in installed.items():
            z.writestr(name, data)
    return installed


def venv_with(venv: Path, installed: dict[str, bytes]) -> None:
    """A venv holding built_here 2.17 as an installer leaves it (its own note in RECORD)."""
    site = venv / "lib" / "python3.11" / "site-packages"
    note = b"uv\n"
    files = {**installed, "built_here-2.17.dist-info/INSTALLER": note}
    record = installed["built_here-2.17.dist-info/RECORD"].decode() + (
        f"built_here-2.17.dist-info/INSTALLER,sha256={hashlib.sha256(note).hexdigest()},3\n"
    )
    files["built_here-2.17.dist-info/RECORD"] = record.encode()
    for name, data in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(data)


def test_the_wheel_the_installer_built_for_the_venv_is_packed_only_if_the_venv_runs_it(
    tmp_path: Path,
) -> None:
    cache_module = load_wheel_cache()
    uv_cache = tmp_path / "uv"
    files = {"built_here/__init__.py": b"x = 1\n", "built_here-2.17.dist-info/WHEEL": b"w\n"}
    installed = built_wheel(uv_cache / "sdists-v11" / "pypi" / "built-here" / "2.17" / "a1", files)
    venv = tmp_path / "venv"
    venv_with(venv, installed)

    packed = wheelhouse_with(tmp_path / "packed", "a" * 64, None)
    cache_module.take(packed, None, venv, uv_cache)
    [wheel] = packed.glob("built_here-2.17-*.whl")
    assert zipfile.ZipFile(wheel).read("built_here/__init__.py") == b"x = 1\n"
    assert "built-here" not in (packed / "fetch.txt").read_text()

    # The venv holds another build (a file differs): the cached wheel is not what it runs.
    (venv / "lib/python3.11/site-packages/built_here/__init__.py").write_bytes(b"x = 2\n")
    record = venv / "lib/python3.11/site-packages/built_here-2.17.dist-info/RECORD"
    digest = hashlib.sha256(b"x = 2\n").hexdigest()
    record.write_text(record.read_text().replace(hashlib.sha256(b"x = 1\n").hexdigest(), digest))
    other = wheelhouse_with(tmp_path / "other", "a" * 64, None)
    cache_module.take(other, None, venv, uv_cache)
    assert not list(other.glob("*.whl"))
    assert "built-here==2.17" in (other / "fetch.txt").read_text()

    # No venv holding it at all: built again.
    bare = wheelhouse_with(tmp_path / "bare", "a" * 64, None)
    cache_module.take(bare, None, tmp_path / "empty", uv_cache)
    assert "built-here==2.17" in (bare / "fetch.txt").read_text()
