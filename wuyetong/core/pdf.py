"""PDF documents with Chinese text (receipts, notices) drawn with ReportLab.

The font is ReportLab's built-in CID font STSong-Light (Adobe-GB1): it needs no font file,
so a fresh machine renders Chinese without installing anything; PDF readers supply the
glyphs (every mainstream reader ships the Adobe Asian font packs or substitutes one)."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from typing import Any

CJK_FONT = "STSong-Light"


@cache
def cjk_font() -> str:
    """Registers the Chinese font once per process and returns its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def mm_(value: float) -> float:
    from reportlab.lib.units import mm

    return value * mm


def style(size: float = 10, *, align: Any = 0, leading: float = 0):
    """A paragraph style in the Chinese font (align: 0 left, 1 centre, 2 right)."""
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(
        f"cjk-{size}-{align}",
        fontName=cjk_font(),
        fontSize=size,
        leading=leading or size * 1.4,
        alignment=align,
        wordWrap="CJK",
    )


def table(rows: list[list], widths: list[float], *, header: bool = True, size: float = 9):
    """A grid table in the Chinese font; cells may be strings or Paragraphs."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    t = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    commands: list[Any] = [
        ("FONT", (0, 0), (-1, -1), cjk_font(), size),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    t.setStyle(TableStyle(commands))
    return t


def build_pdf(story: list, *, title: str, landscape_a5: bool = False, watermark: str = "") -> bytes:
    """Lays out the flowables on A4 (or landscape A5, the usual receipt form) and returns the
    PDF bytes. `watermark` is stamped in red at the top right of each page (e.g. 补打)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, A5, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buf = BytesIO()
    size = landscape(A5) if landscape_a5 else A4
    doc = SimpleDocTemplate(
        buf,
        pagesize=size,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=title,
    )

    def stamp(canvas, _doc):
        if not watermark:
            return
        canvas.saveState()
        canvas.setFont(cjk_font(), 16)
        canvas.setFillColor(colors.red)
        canvas.drawRightString(size[0] - 14 * mm, size[1] - 12 * mm, watermark)
        canvas.restoreState()

    doc.build(story, onFirstPage=stamp, onLaterPages=stamp)
    return buf.getvalue()
