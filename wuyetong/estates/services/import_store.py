"""Private storage between an import's preview and its confirm (or its error report).

What is kept lives in `WUYETONG_IMPORT_DIR` (default var/imports/), never under MEDIA_ROOT,
which is served without login: these files hold ID card numbers. A signed token names the
stored file, its purpose, its owner, the community, the kind and the file's SHA-256."""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError

TOKEN_MAX_AGE = 2 * 60 * 60  # seconds a preview stays confirmable
TOKEN_SALT = "wuyetong.estates.import"
SUFFIX = {"commit": "json", "report": "xlsx"}


def store_dir() -> Path:
    # Not MEDIA_ROOT: media is served without login, and these files hold ID card numbers.
    configured = getattr(settings, "WUYETONG_IMPORT_DIR", None)
    path = Path(configured) if configured else Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def purge_stale(directory: Path) -> None:
    cutoff = time.time() - TOKEN_MAX_AGE - 3600
    for entry in directory.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                entry.unlink()
        except OSError:  # another worker removed it first
            pass


def keep(data: bytes, *, actor, community_id: int, kind: str, filename: str, purpose: str) -> str:
    """Store data privately; return a signed token naming it, its owner and its hash. A
    preview keeps the rows read (JSON) for the confirm; a rejected file is kept as uploaded
    for the error report."""
    directory = store_dir()
    purge_stale(directory)
    file_id = uuid.uuid4().hex
    (directory / f"{file_id}.{SUFFIX[purpose]}").write_bytes(data)
    payload = {
        "f": file_id,
        "u": actor.pk,
        "c": community_id,
        "k": kind,
        "p": purpose,
        "h": hashlib.sha256(data).hexdigest(),
        "n": filename,
    }
    return signing.dumps(payload, salt=TOKEN_SALT)


def payload_of(token: str, actor, purpose: str) -> dict:
    try:
        payload = signing.loads(token or "", salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise ApplicationError(_("预览已过期，请重新上传文件"), field="token") from None
    except signing.BadSignature:
        raise ApplicationError(_("导入凭据无效，请重新上传文件"), field="token") from None
    if payload.get("u") != actor.pk or payload.get("p") != purpose:
        raise ApplicationError(_("导入凭据无效，请重新上传文件"), field="token")
    return payload


def checked(payload: dict, data: bytes) -> bytes:
    if hashlib.sha256(data).hexdigest() != payload.get("h"):
        raise ApplicationError(_("导入文件校验失败，请重新上传"), field="token")
    return data


def claim(token: str, actor) -> tuple[dict, bytes]:
    payload = payload_of(token, actor, "commit")
    path = store_dir() / f"{payload['f']}.{SUFFIX['commit']}"
    claimed = path.with_suffix(f".claimed-{uuid.uuid4().hex}")
    try:
        # rename is atomic: of two confirms racing for one file, only one gets it
        path.rename(claimed)
    except FileNotFoundError:
        raise ApplicationError(_("该文件已导入或已失效，请重新上传"), field="token") from None
    try:
        data = claimed.read_bytes()
    finally:
        claimed.unlink(missing_ok=True)
    return payload, checked(payload, data)


def read_kept(payload: dict) -> bytes:
    """A stored file without claiming it (the error report may be downloaded again)."""
    try:
        data = (store_dir() / f"{payload['f']}.{SUFFIX[payload['p']]}").read_bytes()
    except FileNotFoundError:
        raise ApplicationError(_("错误报告已过期，请重新上传文件"), field="token") from None
    return checked(payload, data)
