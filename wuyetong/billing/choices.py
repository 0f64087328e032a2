from django.db import models
from django.utils.translation import gettext_lazy as _


class FeeKind(models.TextChoices):
    PERIODIC = "periodic", "周期性"
    METERED = "metered", "计量"
    ONE_OFF = "one_off", "一次性"
    DEPOSIT = "deposit", "押金"


class ChargeMethod(models.TextChoices):
    AREA_BUILDING = "area_building", "建筑面积×单价"
    AREA_INNER = "area_inner", "套内面积×单价"
    FIXED = "fixed", "固定金额"
    METERED = "metered", "计量(读数差×单价)"
    ONE_OFF = "one_off", "一次性"


class ChargeTarget(models.TextChoices):
    HOUSE = "house", "房屋"
    SPACE = "space", "车位"
    VEHICLE = "vehicle", "车辆"


class PayTiming(models.TextChoices):
    PREPAID = "prepaid", "预收(期初)"
    POSTPAID = "postpaid", "后收(期末)"


class Rounding(models.TextChoices):
    HALF_UP = "ROUND_HALF_UP", "四舍五入到分"
    DOWN = "ROUND_DOWN", "舍去分以下"
    UP = "ROUND_UP", "分以下进一"


class BillRunState(models.TextChoices):
    PREVIEW = "preview", "预览"
    COMMITTED = "committed", "已生成"
    VOIDED = "voided", "已作废"


class BillState(models.TextChoices):
    UNPAID = "unpaid", "未缴"
    PARTIAL = "partial", "部分缴纳"
    PAID = "paid", "已缴清"
    VOIDED = "voided", "已作废"
    REVERSED = "reversed", "已冲销"


class LedgerAccount(models.TextChoices):
    RECEIVABLE = "receivable", "应收"
    PREPAID = "prepaid", "预存"
    DEPOSIT = "deposit", "押金"


class LedgerKind(models.TextChoices):
    BILL = "bill", "账单"
    PAYMENT = "payment", "缴费"
    DISCOUNT = "discount", "优惠"
    LATE_FEE = "late_fee", "滞纳金"
    REFUND = "refund", "退款"
    PREPAY = "prepay", "预存"
    PREPAY_USE = "prepay_use", "预存抵扣"
    DEPOSIT = "deposit", "收押金"
    DEPOSIT_REFUND = "deposit_refund", "退押金"
    REVERSAL = "reversal", "冲销"


# Which account each kind moves. Amounts are signed from the house's point of view: a bill
# or late fee is negative (the house owes more), a payment or discount positive.
KIND_ACCOUNT: dict[str, str] = {
    LedgerKind.BILL: LedgerAccount.RECEIVABLE,
    LedgerKind.PAYMENT: LedgerAccount.RECEIVABLE,
    LedgerKind.DISCOUNT: LedgerAccount.RECEIVABLE,
    LedgerKind.LATE_FEE: LedgerAccount.RECEIVABLE,
    LedgerKind.REFUND: LedgerAccount.RECEIVABLE,
    LedgerKind.REVERSAL: LedgerAccount.RECEIVABLE,
    LedgerKind.PREPAY: LedgerAccount.PREPAID,
    LedgerKind.PREPAY_USE: LedgerAccount.PREPAID,
    LedgerKind.DEPOSIT: LedgerAccount.DEPOSIT,
    LedgerKind.DEPOSIT_REFUND: LedgerAccount.DEPOSIT,
}


class PayMethod(models.TextChoices):
    CASH = "cash", "现金"
    WECHAT = "wechat", "微信"
    ALIPAY = "alipay", "支付宝"
    BANK_CARD = "bank_card", "银行卡"
    TRANSFER = "transfer", "转账"
    PREPAID = "prepaid", "预存抵扣"


class PaymentPurpose(models.TextChoices):
    BILLS = "bills", "缴纳账单"
    PREPAY = "prepay", "预存"
    DEPOSIT = "deposit", "押金"


class SharedBasis(models.TextChoices):
    AREA = "area", "按建筑面积"
    HOUSEHOLD = "household", "按户均摊"


class ReadingSource(models.TextChoices):
    GRID = "grid", _("网页录入")
    PHONE = "phone", _("手机抄表")
    IMPORT = "import", _("Excel导入")
    API = "api", _("接口")


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class DunningChannel(models.TextChoices):
    # Reminders only. 民法典 第944条: arrears never cut water, power, heating or gas, so no
    # channel here (or anywhere) stops a supply.
    APP = "app", _("站内消息")
    SMS = "sms", _("短信")
    LETTER = "letter", _("书面通知")


class DunningStatus(models.TextChoices):
    SENT = "sent", _("已发送")
    PRINTED = "printed", _("已生成通知书")
    NO_RECIPIENT = "no_recipient", _("无接收人")
    FAILED = "failed", _("发送失败")


# ---------------------------------------------------------------- collecting (desk, online)


class DiscountKind(models.TextChoices):
    PREPAY_PERCENT = "prepay_percent", "预缴N个月按比例优惠"
    PREPAY_FREE = "prepay_free", "预缴N个月赠送M个月"
    FIXED = "fixed", "固定减免"


class ReliefState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


class RefundState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已退款"
    REJECTED = "rejected", "已驳回"


class InvoiceState(models.TextChoices):
    REQUESTED = "requested", "待审核"
    APPROVED = "approved", "待开票"
    ISSUED = "issued", "已开票"
    SENT = "sent", "已发送"
    REJECTED = "rejected", "已驳回"


class Gateway(models.TextChoices):
    SANDBOX = "sandbox", "模拟支付"
    WECHAT = "wechat", "微信支付"
    ALIPAY = "alipay", "支付宝"


class OrderState(models.TextChoices):
    CREATED = "created", "待支付"
    PAID = "paid", "已支付"
    FAILED = "failed", "支付失败"
    CREDITED = "credited", "已转预存"


class NoticeResult(models.TextChoices):
    RECORDED = "recorded", "已入账"
    DUPLICATE = "duplicate", "重复通知"
    CREDITED = "credited", "账单已缴，转入预存"
    FAILED = "failed", "支付失败"
    BAD_SIGNATURE = "bad_signature", "签名无效"
    BAD_AMOUNT = "bad_amount", "金额不符"
    UNKNOWN_ORDER = "unknown_order", "订单不存在"
    MALFORMED = "malformed", "报文无效"
    REFUND = "refund", "退款结果"


class RouteState(models.TextChoices):
    """A refund sent back through the payment's gateway (原路退回)."""

    PROCESSING = "processing", "退款处理中"
    SUCCEEDED = "succeeded", "已退回"
    FAILED = "failed", "退款失败"
    CLOSED = "closed", "退款关闭"
    OFFLINE = "offline", "已线下退款"


class RouteEvent(models.TextChoices):
    SENT = "sent", "发起退款"
    ANSWER = "answer", "渠道应答"
    NOTICE = "notice", "渠道通知"
    QUERY = "query", "查询结果"
    RETRY = "retry", "重新发起"
    OFFLINE = "offline", "登记线下退款"


class DocKind(models.TextChoices):
    REFUND = "refund", "退款单"
    INVOICE = "invoice", "发票"
