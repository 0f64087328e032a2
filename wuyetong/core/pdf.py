"""PDF documents with Chinese text (receipts, notices) drawn with ReportLab.

The font is ReportLab's built-in CID font STSong-Light (Adobe-GB1): it needs no font file,
so a fresh machine renders Chinese without installing anything; PDF readers supply the
glyphs (every mainstream reader ships the Adobe Asian font packs or substitutes one)."""

from __future__ import annotations

from functools import cache

CJK_FONT = "STSong-Light"


@cache
def cjk_font() -> str:
    """Registers the Chinese font once per process and returns its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT
