from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from wuyetong.core.models import ScopedQuerySet, TimeStampedModel

from .choices import ApprovalStatus, DataScope, OpAction, OrgKind


class City(models.Model):
    """A city (市): the unit above districts and their housing bureaus."""

    name = models.CharField(_("城市"), max_length=50, unique=True)
    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)

    class Meta:
        verbose_name = _("城市")
        verbose_name_plural = _("城市")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """A district (区/县) of a city; communities lie in one district."""

    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="districts", verbose_name=_("城市")
    )
    name = models.CharField(_("区县"), max_length=50)
    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)

    class Meta:
        verbose_name = _("区县")
        verbose_name_plural = _("区县")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="district_unique_name_per_city")
        ]

    def __str__(self) -> str:
        return f"{self.city.name}{self.name}"


class Bureau(TimeStampedModel):
    """A housing bureau (房管部门). A city bureau (no district) oversees every district of its
    city; a district bureau oversees its district."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="bureaus", verbose_name=_("城市")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bureaus",
        verbose_name=_("区县"),
    )
    is_active = models.BooleanField(_("已开通"), default=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="BureauMember", related_name="bureaus", blank=True
    )

    class Meta:
        verbose_name = _("房管部门")
        verbose_name_plural = _("房管部门")

    def __str__(self) -> str:
        return self.name

    def district_ids(self) -> list[int]:
        if self.district_id:
            return [self.district_id]
        return list(self.city.districts.values_list("pk", flat=True))

    def communities(self) -> models.QuerySet[Community]:
        """The live communities this bureau oversees: approved, run by an approved company,
        in its district (or, for a city bureau, anywhere in its city)."""
        live = Community.objects.approved()
        if self.district_id:
            return live.filter(district_id=self.district_id)
        return live.filter(district__city_id=self.city_id)


class BureauMember(models.Model):
    """A bureau official's membership."""

    bureau = models.ForeignKey(Bureau, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bureau_memberships"
    )
    title = models.CharField(_("职务"), max_length=50, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bureau", "user"], name="bureau_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bureau} · {self.user}"


class CompanyQuerySet(ScopedQuerySet):
    permission_module = ""

    def scope(self, access):
        return self.filter(pk=access.company_id) if access.company_id else self.none()


class Company(TimeStampedModel):
    """A property company (物业公司): the tenant of every staff-side record."""

    name = models.CharField(_("公司名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    introduction = models.TextField(_("公司简介"), blank=True)
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="companies", verbose_name=_("所在城市")
    )
    status = models.CharField(
        _("审核状态"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    modules = models.JSONField(_("开通模块"), default=list, blank=True)
    settings = models.JSONField(_("公司设置"), default=dict, blank=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("物业公司")
        verbose_name_plural = _("物业公司")

    def __str__(self) -> str:
        return self.short_name or self.name


class CompanyUnitQuerySet(ScopedQuerySet):
    """Rows owned by a company and placed in an org unit: the caller's data scope limits
    them to the units it reaches (`unit_field` names the org-unit column)."""

    permission_module = "org"
    unit_field = "org_unit_id"

    def scope(self, access):
        if access.company_id is None:
            return self.none()
        qs = self.filter(company_id=access.company_id)
        if access.org_unit_ids is not None and self.unit_field:
            qs = qs.filter(**{f"{self.unit_field}__in": access.org_unit_ids})
        return qs


class OrgUnitQuerySet(CompanyUnitQuerySet):
    unit_field = "pk"


class CompanyWideQuerySet(CompanyUnitQuerySet):
    """Company-wide rows (positions, roles): every member of the company within the module."""

    unit_field = ""


class RoleQuerySet(CompanyWideQuerySet):
    permission_module = "roles"


class OrgUnit(TimeStampedModel):
    """A node of a company's tree: 总部 → 区域公司 → 项目. `path` ("/1/4/9/") makes subtree
    queries a single prefix match."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="org_units")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    kind = models.CharField(_("层级"), max_length=10, choices=OrgKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "parent", "name"], name="orgunit_unique_name_per_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class Department(TimeStampedModel):
    """A department (部门) inside an org unit, e.g. 工程部 of a project."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="departments")
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="departments", verbose_name=_("所属组织")
    )
    name = models.CharField(_("部门名称"), max_length=50)

    objects = CompanyUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Position(TimeStampedModel):
    """A job position (岗位) of a company."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="positions")
    name = models.CharField(_("岗位名称"), max_length=50)

    objects = CompanyWideQuerySet.as_manager()

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="position_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Role(TimeStampedModel):
    """A set of permissions plus a data scope, defined by a company (often from a template)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="roles")
    name = models.CharField(_("角色名称"), max_length=50)
    template = models.CharField(_("来源模板"), max_length=30, blank=True)
    permissions = models.JSONField(_("权限"), default=list, blank=True)
    data_scope = models.CharField(
        _("数据范围"), max_length=10, choices=DataScope.choices, default=DataScope.PROJECT
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="role_unique_name")]

    def __str__(self) -> str:
        return self.name


class EmployeeQuerySet(CompanyUnitQuerySet):
    pass


class Employee(TimeStampedModel):
    """A user's membership of a company: where they sit, what they do, which roles they hold."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="employees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employments"
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="employees", verbose_name=_("所属组织")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("部门"),
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("岗位"),
    )
    employee_no = models.CharField(_("工号"), max_length=30)
    is_active = models.BooleanField(_("在职"), default=True)
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    roles = models.ManyToManyField(
        Role, related_name="employees", blank=True, verbose_name=_("角色")
    )

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "user"], name="employee_unique_user_per_company"
            ),
            models.UniqueConstraint(fields=["company", "employee_no"], name="employee_unique_no"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.employee_no})"


class CommunityQuerySet(ScopedQuerySet):
    permission_module = "estates"

    def scope(self, access):
        if access.company_id is not None:
            qs = self.filter(company_id=access.company_id)
            return qs if access.community_ids is None else qs.filter(pk__in=access.community_ids)
        if access.bureau_id is not None:
            return self.filter(pk__in=access.bureau_community_ids)
        return self.none()

    def approved(self):
        return self.filter(status=ApprovalStatus.APPROVED, company__status=ApprovalStatus.APPROVED)


class Community(TimeStampedModel):
    """A residential community (小区/社区), served by one project of one company and lying in
    one district (which places it under that district's housing bureau)."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="communities", verbose_name=_("物业公司")
    )
    project = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("所属项目"),
        limit_choices_to={"kind": OrgKind.PROJECT},
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="communities", verbose_name=_("所在区县")
    )
    name = models.CharField(_("小区名称"), max_length=100)
    code = models.CharField(_("小区编码"), max_length=20)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    total_area = models.DecimalField(
        _("总建筑面积(㎡)"), max_digits=12, decimal_places=2, default=0
    )
    introduction = models.TextField(_("小区介绍"), blank=True)
    service_phone = models.CharField(_("物业服务电话"), max_length=20, blank=True)
    status = models.CharField(
        _("审核状态"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    settings = models.JSONField(_("小区设置"), default=dict, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="community_unique_code"),
            models.UniqueConstraint(fields=["company", "name"], name="community_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Merchant(TimeStampedModel):
    """A merchant (商户) selling to the owners of the communities it serves."""

    name = models.CharField(_("商户名称"), max_length=100, unique=True)
    license_no = models.CharField(_("营业执照号"), max_length=30, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=30)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    category = models.CharField(_("经营类别"), max_length=50, blank=True)
    communities = models.ManyToManyField(
        Community, related_name="merchants", blank=True, verbose_name=_("服务小区")
    )
    status = models.CharField(
        _("审核状态"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    reject_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    is_active = models.BooleanField(_("已开通"), default=False)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="merchants", blank=True)

    class Meta:
        verbose_name = _("商户")
        verbose_name_plural = _("商户")

    def __str__(self) -> str:
        return self.name


class OperationLogQuerySet(ScopedQuerySet):
    permission_module = "oplog"

    def scope(self, access):
        if access.company_id is None:
            return self.none()
        qs = self.filter(company_id=access.company_id)
        if access.org_unit_ids is not None:
            # A reader with a narrower data scope sees what the people of their units did,
            # not the whole company's history (HR changes elsewhere, other projects).
            staff = Employee.objects.filter(
                company_id=access.company_id, org_unit_id__in=access.org_unit_ids
            ).values("user_id")
            qs = qs.filter(actor_id__in=staff)
        return qs


class OperationLog(models.Model):
    """操作日志: who changed what and when. Written by services, never edited."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("操作"), max_length=10, choices=OpAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(_("对象"), max_length=200)
    changes = models.JSONField(_("变更字段"), default=dict, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    objects = OperationLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"], name="oplog_company_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"
