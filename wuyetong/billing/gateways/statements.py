"""Gateway statement files (对账单): what the payment channel says it received and refunded.

- WeChat Pay 交易账单 (bill_type ALL, the file the merchant platform or the tradebill API gives):
  comma separated, UTF-8 (often with a BOM); one header row, detail rows whose every field is
  prefixed with "`" (so spreadsheets keep long numbers), then a summary header beginning
  "总交易单数" and one summary row. Columns are read by name: their order is not fixed.
  交易状态 SUCCESS is a payment, REFUND a refund, REVOKED a cancelled payment (refunded whole).
- Alipay 业务明细 (the daily bill's detail file, GBK, usually inside a zip with a summary file):
  "#" comment lines around one header row and the details; 业务类型 交易 or 退款, refund rows
  carry negative amounts. Fields are padded with spaces and tabs.
- The sandbox gateway's own statement (the demo's "bank"): a plain CSV this server writes.

Every amount is Decimal to the fen; a row that cannot be read is an error naming the row and
the column, and the whole file is refused (nothing is half-imported)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")  # the channels' statements are in Beijing time
MAX_BYTES = 20 * 1024 * 1024
PAY, REFUND = "pay", "refund"

SANDBOX_HEADER = ["交易时间", "渠道交易号", "商户订单号", "类型", "金额", "手续费", "商户退款单号"]


class StatementError(Exception):
    """The file cannot be read; `message` is for the clerk (Chinese), naming row and column."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Line:
    row: int  # 1-based row of the file, as a spreadsheet shows it
    kind: str  # PAY or REFUND
    time: dt.datetime  # aware
    trade_no: str  # the channel's transaction number
    out_trade_no: str  # our order number
    out_refund_no: str
    amount: Decimal  # positive: money received (PAY) or sent back (REFUND)
    fee: Decimal  # the channel's service fee on this row (negative when returned)


def _decode(data: bytes, encodings: tuple[str, ...]) -> str:
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise StatementError("文件编码无法识别（应为 UTF-8 或 GBK 的 CSV 文本）")


def _money(value: str, row: int, column: str, *, required: bool = True) -> Decimal:
    text = value.strip().replace(",", "")
    if not text:
        if required:
            raise StatementError(f"第{row}行「{column}」为空")
        return Decimal("0")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise StatementError(f"第{row}行「{column}」不是金额：{value.strip()[:20]}") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise StatementError(f"第{row}行「{column}」不是精确到分的金额：{value.strip()[:20]}")
    return amount


def _time(value: str, row: int, column: str) -> dt.datetime:
    text = value.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=CHINA)
        except ValueError:
            continue
    raise StatementError(f"第{row}行「{column}」不是时间：{text[:20]}")


class _Table:
    """Rows addressed by column name, with the columns a format needs checked up front."""

    def __init__(self, header: list[str], header_row: int, required: tuple[str, ...]):
        self.index = {name.strip(): i for i, name in enumerate(header)}
        missing = [c for c in required if c not in self.index]
        if missing:
            raise StatementError(
                f"第{header_row}行表头缺少列：{'、'.join(missing)}（请确认渠道与文件类型）"
            )

    def has(self, column: str) -> bool:
        return column in self.index

    def get(self, cells: list[str], column: str) -> str:
        i = self.index.get(column)
        return cells[i] if i is not None and i < len(cells) else ""


def _rows(text: str):
    return enumerate(csv.reader(io.StringIO(text)), start=1)


def parse_wechat(data: bytes) -> list[Line]:
    text = _decode(data, ("utf-8-sig", "gb18030"))
    table: _Table | None = None
    out: list[Line] = []
    for n, raw in _rows(text):
        cells = [c.strip().removeprefix("`").strip() for c in raw]
        if not any(cells):
            continue
        if table is None:
            table = _Table(cells, n, ("交易时间", "微信订单号", "商户订单号", "交易状态"))
            if not (table.has("订单金额") or table.has("应结订单金额")):
                raise StatementError(f"第{n}行表头缺少列：订单金额")
            continue
        if cells[0].startswith("总交易单数"):
            break
        status = table.get(cells, "交易状态").upper()
        amount_col = "订单金额" if table.has("订单金额") else "应结订单金额"
        common = {
            "row": n,
            "time": _time(table.get(cells, "交易时间"), n, "交易时间"),
            "trade_no": table.get(cells, "微信订单号"),
            "out_trade_no": table.get(cells, "商户订单号"),
            "fee": _money(table.get(cells, "手续费"), n, "手续费", required=False),
        }
        if not common["out_trade_no"]:
            raise StatementError(f"第{n}行「商户订单号」为空")
        if status == "SUCCESS":
            out.append(
                Line(
                    kind=PAY,
                    out_refund_no="",
                    amount=_money(table.get(cells, amount_col), n, amount_col),
                    **common,
                )
            )
        elif status in ("REFUND", "REVOKED"):
            column = "退款金额" if table.has("退款金额") else amount_col
            out.append(
                Line(
                    kind=REFUND,
                    out_refund_no=table.get(cells, "商户退款单号"),
                    amount=abs(_money(table.get(cells, column), n, column)),
                    **common,
                )
            )
        else:
            raise StatementError(f"第{n}行「交易状态」无法识别：{status[:20]}")
    if table is None:
        raise StatementError("文件是空的")
    return out


def _alipay_text(data: bytes) -> str:
    if data[:2] == b"PK":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise StatementError("压缩包无法打开") from None
        names = [
            i
            for i in archive.infolist()
            if i.filename.endswith(".csv") and "汇总" not in i.filename
        ]
        if len(names) != 1:
            raise StatementError("压缩包中应有且只有一个业务明细 CSV 文件")
        if names[0].file_size > MAX_BYTES:
            raise StatementError("对账单文件过大（超过 20 MB）")
        data = archive.read(names[0])
    return _decode(data, ("utf-8-sig", "gb18030"))


def _detail(table: _Table, cells: list[str], n: int, c: dict[str, str], kinds: dict) -> Line:
    """A detail row of a format whose columns `c` names (kind, time, trade, refund, amount,
    fee): Alipay's and the sandbox's."""
    kind = kinds.get(table.get(cells, c["kind"]))
    if kind is None:
        raise StatementError(
            f"第{n}行「{c['kind']}」无法识别：{table.get(cells, c['kind'])[:20]}"
            f"（应为 {' 或 '.join(kinds)}）"
        )
    out_trade_no = table.get(cells, "商户订单号")
    if not out_trade_no:
        raise StatementError(f"第{n}行「商户订单号」为空")
    return Line(
        row=n,
        kind=kind,
        time=_time(table.get(cells, c["time"]), n, c["time"]),
        trade_no=table.get(cells, c["trade"]),
        out_trade_no=out_trade_no,
        out_refund_no=table.get(cells, c["refund"]) if kind == REFUND else "",
        amount=abs(_money(table.get(cells, c["amount"]), n, c["amount"])),
        fee=_money(table.get(cells, c["fee"]), n, c["fee"], required=False),
    )


ALIPAY_COLUMNS = {"kind": "业务类型", "time": "完成时间", "trade": "支付宝交易号",
                  "refund": "退款批次号/请求号", "amount": "订单金额（元）", "fee": "服务费（元）"}  # fmt: skip
SANDBOX_COLUMNS = {"kind": "类型", "time": "交易时间", "trade": "渠道交易号",
                   "refund": "商户退款单号", "amount": "金额", "fee": "手续费"}  # fmt: skip


def parse_alipay(data: bytes) -> list[Line]:
    text = _alipay_text(data)
    table: _Table | None = None
    out: list[Line] = []
    for n, raw in _rows(text):
        cells = [c.strip() for c in raw]
        if not any(cells) or cells[0].startswith("#"):
            if table is not None and out and cells and cells[0].startswith("#"):
                break  # the comment block after the details: totals, not rows
            continue
        if table is None:
            table = _Table(
                cells, n, ("支付宝交易号", "商户订单号", "业务类型", "完成时间", "订单金额（元）")
            )
            continue
        out.append(_detail(table, cells, n, ALIPAY_COLUMNS, {"交易": PAY, "退款": REFUND}))
    if table is None:
        raise StatementError("没有找到业务明细表头（支付宝交易号、商户订单号…）")
    return out


def parse_sandbox(data: bytes) -> list[Line]:
    text = _decode(data, ("utf-8-sig",))
    table: _Table | None = None
    out: list[Line] = []
    for n, cells in _rows(text):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if table is None:
            table = _Table(cells, n, tuple(SANDBOX_HEADER[:6]))
            continue
        out.append(_detail(table, cells, n, SANDBOX_COLUMNS, {"支付": PAY, "退款": REFUND}))
    if table is None:
        raise StatementError("文件是空的")
    return out


def sandbox_csv(lines: list[Line]) -> bytes:
    """The sandbox bank's statement for the demo: the same shape parse_sandbox reads."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(SANDBOX_HEADER)
    for x in lines:
        w.writerow(
            [
                x.time.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                x.trade_no,
                x.out_trade_no,
                "支付" if x.kind == PAY else "退款",
                f"{x.amount:.2f}",
                f"{x.fee:.2f}",
                x.out_refund_no,
            ]
        )
    return buf.getvalue().encode("utf-8-sig")


PARSERS = {"wechat": parse_wechat, "alipay": parse_alipay, "sandbox": parse_sandbox}


def parse(gateway: str, data: bytes) -> list[Line]:
    if gateway not in PARSERS:
        raise StatementError("未知的支付渠道")
    if not data:
        raise StatementError("文件是空的")
    if len(data) > MAX_BYTES:
        raise StatementError("对账单文件过大（超过 20 MB）")
    try:
        return PARSERS[gateway](data)
    except csv.Error as exc:
        raise StatementError(f"CSV 格式错误：{exc}") from None
