"""A case's photo as a response, for the owner's page and the worker's phone page alike. The
caller has already read the case through the viewer's own selector; media addresses are never
handed out (the production proxy serves media without asking Django)."""

from __future__ import annotations

from django.http import FileResponse, Http404

from wuyetong.core.ids import lookup_pk


def photo_response(case, photo_pk) -> FileResponse:
    photo = case.photos.filter(pk=lookup_pk(photo_pk)).first()
    if photo is None:
        raise Http404
    try:
        handle = photo.image.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response
