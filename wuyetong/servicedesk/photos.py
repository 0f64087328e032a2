"""A case's photo as a response, for the owner's, the worker's, the console's and the bureau's
case pages alike. The caller has already read the case through the viewer's own selector
(core.files)."""

from __future__ import annotations

from django.http import FileResponse

from wuyetong.core.files import open_stored


def photo_response(case, photo_pk) -> FileResponse:
    photo, handle = open_stored(case.photos.all(), photo_pk, "image")
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response
