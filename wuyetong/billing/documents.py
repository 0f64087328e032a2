"""Printable billing documents drawn with ReportLab: the arrears notice (催缴通知书), one
page per house, from its DunningRecord — the figures as they stood when it was made, so a
reprint is the same notice."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from wuyetong.core.pdf import cjk_font

from .models import DunningRecord

LEGAL_NOTE = (
    "依据《中华人民共和国民法典》第九百四十四条，业主应当按照约定向物业服务人支付物业费；"
    "物业服务人不得采取停止供电、供水、供热、供燃气等方式催交物业费。"
    "本通知为书面催告，请您于收到本通知之日起十五日内缴清上述费用。"
)


def _money(value: str | Decimal) -> str:
    return f"{Decimal(value):,.2f}"


def dunning_notices_pdf(records: Iterable[DunningRecord]) -> bytes:
    """One A4 page per notice: addressee, the overdue bills and their total, the legal note,
    the company and the date. Records need community, company and house loaded."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=28, alignment=TA_CENTER)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=13)
    right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title="催缴通知书",
        author="物业通",
    )
    story: list = []
    for i, record in enumerate(records):
        if i:
            story.append(PageBreak())
        community = record.community
        company = community.company
        house = record.house
        where = f"{community.name} {house.building.name}{house.unit.name}{house.room_no}"
        story += [
            Paragraph("催缴通知书", title),
            Paragraph(f"编号：{record.notice_no}", right),
            Spacer(1, 4 * mm),
            Paragraph(f"尊敬的 {record.recipient_name or ''} 业主（{where}）：", body),
            Spacer(1, 2 * mm),
            Paragraph(
                f"经核对，截至 {timezone.localtime(record.created_at):%Y年%m月%d日}，"
                f"您的房屋尚有以下 {record.bill_count} 笔费用逾期未缴，"
                f"合计人民币 <b>{_money(record.owed)}</b> 元，"
                f"最早应缴日期为 {record.oldest_due:%Y年%m月%d日}：",
                body,
            ),
            Spacer(1, 3 * mm),
        ]
        rows = [["收费项目", "账期", "应缴日期", "欠费金额(元)"]]
        rows += [[item, period, due, _money(amount)] for item, period, due, amount in record.lines]
        rows.append(["合计", "", "", _money(record.owed)])
        table = Table(rows, colWidths=[55 * mm, 30 * mm, 35 * mm, 40 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), font, 10),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a94a0")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                    ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef2f6")),
                    ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        phone = community.service_phone
        story += [
            table,
            Spacer(1, 5 * mm),
            Paragraph(LEGAL_NOTE, body),
            Spacer(1, 3 * mm),
            Paragraph(
                "缴费方式：物业通App在线缴费，或到物业服务中心现金、刷卡、微信、支付宝缴纳。"
                + (f"咨询电话：{phone}。" if phone else "")
                + "如您已缴纳，请忽略本通知。",
                body,
            ),
            Spacer(1, 14 * mm),
            Paragraph(company.name, right),
            Paragraph(f"{timezone.localtime(record.created_at):%Y年%m月%d日}", right),
            Spacer(1, 10 * mm),
            Paragraph(
                "本通知书由物业通系统生成，所列金额为生成时的欠费，之后的缴费以收据为准。",
                small,
            ),
        ]
    if not story:
        story.append(Paragraph("没有需要打印的催缴通知书", body))
    doc.build(story)
    return buffer.getvalue()
