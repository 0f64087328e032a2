"""The org-unit tree is stored as a materialised path ("/1/4/9/"); read it in one place."""

from __future__ import annotations


def path_ids(path: str) -> list[int]:
    """Org unit ids on a path, from the root (HQ) down to the unit itself."""
    return [int(part) for part in (path or "").strip("/").split("/") if part]
