"""A notice's file as a download, for the owner page, the console and the API alike. The
caller has already read the notice through the viewer's own selector; media addresses are
never handed out (the production proxy serves media without asking Django)."""

from __future__ import annotations

from django.http import FileResponse, Http404

from wuyetong.core.ids import lookup_pk


def attachment_response(notice, file_pk) -> FileResponse:
    attachment = notice.attachments.filter(pk=lookup_pk(file_pk)).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    return FileResponse(handle, filename=attachment.name or "")
