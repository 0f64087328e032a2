"""A notice's file as a download, for the owner page, the console and the API alike. The
caller has already read the notice through the viewer's own selector (core.files)."""

from __future__ import annotations

from django.http import FileResponse

from wuyetong.core.files import open_stored


def attachment_response(notice, file_pk) -> FileResponse:
    attachment, handle = open_stored(notice.attachments.all(), file_pk, "file")
    return FileResponse(handle, filename=attachment.name or "")
