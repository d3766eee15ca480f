"""A wheel of the grader as it is installed here, so a release installs it without any index.

Trusted side; reads the installed package and its metadata, writes one file. The wheel is built
from the running installation (editable or not) rather than from a source tree, so what a release
ships is exactly the grader that built it, and building needs no build backend and no network.
A pure-Python wheel is a zip with the package, ``METADATA`` (the installed one, dependencies
included), ``WHEEL``, ``entry_points.txt`` and ``RECORD`` (PEP 427); entries are written in name
order with a fixed timestamp, so the same grader gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import stat
import zipfile
from importlib import metadata
from pathlib import Path

import grader
from grader.errors import GraderError

DISTRIBUTION = "autograd-grader"
PACKAGE_SUFFIXES = (".py", ".json", ".ini")  # the package's modules and its data (schemas, pytest.ini)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def wheel_name(version: str = grader.__version__) -> str:
    return f"{DISTRIBUTION.replace('-', '_')}-{version}-py3-none-any.whl"


def build(out_dir: Path) -> Path:
    """Write the grader's wheel into ``out_dir``; return its path."""
    out = Path(out_dir) / wheel_name()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(wheel_bytes())
    return out


def wheel_bytes() -> bytes:
    """The grader's wheel, as the bytes of its file."""
    version = grader.__version__
    info = f"{DISTRIBUTION.replace('-', '_')}-{version}.dist-info"
    package = Path(grader.__file__).parent
    entries = {f"grader/{path.relative_to(package).as_posix()}": path.read_bytes()
               for path in sorted(package.rglob("*"))
               if path.is_file() and path.suffix in PACKAGE_SUFFIXES and "__pycache__" not in path.parts}
    metadata_text, entry_points = installed_metadata(version)
    entries[f"{info}/METADATA"] = metadata_text.encode()
    entries[f"{info}/entry_points.txt"] = entry_points.encode()
    entries[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: autograd-grader release\n"
                                b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = [f"{name},sha256={digest(data)},{len(data)}" for name, data in entries.items()]
    entries[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    return zip_bytes({name: (data, 0o644) for name, data in entries.items()})


def zip_bytes(entries: dict[str, tuple[bytes, int]]) -> bytes:
    """A zip of ``{name: (data, mode)}``, in name order with a fixed timestamp (the same bytes for
    the same content); the modes are kept, as ``unzip`` restores them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            data, mode = entries[name]
            item = zipfile.ZipInfo(name, FIXED_TIME)
            item.external_attr = (stat.S_IFREG | mode) << 16
            item.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(item, data)
    return buffer.getvalue()


def installed_metadata(version: str) -> tuple[str, str]:
    """The installed distribution's core metadata and entry points (a source tree's egg-info,
    which may shadow it on ``sys.path``, has no ``METADATA``: it is skipped)."""
    for dist in metadata.distributions(name=DISTRIBUTION):
        text = dist.read_text("METADATA")
        if text and dist.version == version:
            return text, dist.read_text("entry_points.txt") or "[console_scripts]\ngrade = grader.cli:run\n"
    raise GraderError(f"the {DISTRIBUTION} {version} installation has no metadata to build a wheel from; "
                      f"reinstall it with `pip install -e .` or from its wheel")


def digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
