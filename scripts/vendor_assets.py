"""Fetch the front-end files the pages use from the npm registry, as pinned in package-lock.json.

Node is not needed: each package's tarball is downloaded from the registry (NPM_REGISTRY, e.g. a
mirror such as https://registry.npmmirror.com, defaults to the public registry), checked against
the lock file's sha512 integrity, and only the files listed in ASSETS are copied into
static/vendor/ (ignored by git). Files already present with the same pinned version are kept.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"

# package -> files inside its tarball ("package/..." stripped) that pages load
ASSETS: dict[str, list[str]] = {
    "echarts": ["dist/echarts.min.js"],
}


def _tarball_url(registry: str, name: str, version: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return f"{registry.rstrip('/')}/{name}/-/{base}-{version}.tgz"


def _check_integrity(data: bytes, integrity: str, name: str) -> None:
    algo, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if digest != expected:
        sys.exit(f"vendor_assets: {name}: the download does not match package-lock.json")


def main() -> int:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    registry = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org")
    for name, files in ASSETS.items():
        entry = lock["packages"][f"node_modules/{name}"]
        version, integrity = entry["version"], entry["integrity"]
        target = VENDOR / name
        stamp = target / ".version"
        if (
            stamp.exists()
            and stamp.read_text() == version
            and all((target / Path(f).name).exists() for f in files)
        ):
            continue
        url = entry.get("resolved") or _tarball_url(registry, name, version)
        print(f"vendor_assets: {name} {version} from {url}")
        try:
            with urllib.request.urlopen(url, timeout=120) as resp:
                data = resp.read()
        except OSError as exc:
            sys.exit(f"vendor_assets: cannot download {url} ({exc}); set NPM_REGISTRY to a mirror")
        _check_integrity(data, integrity, name)
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for f in files:
                member = tar.extractfile(f"package/{f}")
                if member is None:
                    sys.exit(f"vendor_assets: {name} {version} has no {f}")
                (target / Path(f).name).write_bytes(member.read())
        stamp.write_text(version)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
