"""Bulk import of estates from .xlsx (C3): houses ("structure") and residents ("owners").

Two steps. `estate_import_preview` reads and validates every row of the uploaded workbook and
writes nothing to the database: either it raises `ImportInvalid` listing every bad cell as
(row, column, reason), or it keeps the file privately and returns counts, a sample and a signed
token. `estate_import_commit` takes that token, validates the kept file again against the
database as it is now, and writes everything in one transaction with bulk inserts plus one
operation-log entry. All lookups are set-based: the number of queries does not grow with rows.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.core.masking import mask_id_card, mask_phone
from wuyetong.core.validators import is_id_card, is_mobile
from wuyetong.estates.choices import HouseState, HouseUse, Relation
from wuyetong.estates.models import Building, House, Occupancy, Resident, Unit
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community, OperationLog
from wuyetong.orgs.services import oplog_record

from .import_cells import (
    HOUSE_STATES,
    HOUSE_USES,
    RELATIONS,
    RowReader,
    cell_text,
    house_key,
    house_label,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_int,
    phone_text,
    same,
    with_previous,
)
from .import_sheets import (
    KINDS,
    MAX_BYTES,
    MAX_ROWS,
    STRUCTURE,
    ImportKind,
    RowError,
    annotate_errors,
    build_template,
    read_sheet,
    read_upload,
    rows_dump,
    rows_load,
)
from .import_store import claim, keep, payload_of, read_kept

BATCH = 2000
SAMPLE_ROWS = 10


class ImportInvalid(ApplicationError):
    """The file has bad rows; `row_errors` lists every one. Nothing was written."""

    def __init__(self, row_errors: list[RowError]):
        self.row_errors = sorted(row_errors, key=lambda e: (e.row, e.order))
        rows = len({e.row for e in self.row_errors})
        message = _("文件中有 %(rows)s 行、%(errors)s 处错误，未导入任何数据，请修改后重新上传") % {
            "rows": rows,
            "errors": len(self.row_errors),
        }
        errors: dict[str, list[str]] = {}
        for e in self.row_errors:
            errors.setdefault(
                _("第%(row)s行/%(column)s") % {"row": e.row, "column": e.column}, []
            ).append(e.message)
        super().__init__(message, code="import_invalid", errors=errors)
        self.report_token = ""


@dataclass
class ImportPlan:
    """What a valid file would write: new objects, not yet saved, plus counts for people."""

    kind: ImportKind
    community: Community
    rows: int
    counts: dict[str, int]
    sample: list[list[str]]
    buildings: list[Building] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    houses: list[House] = field(default_factory=list)
    residents: list[Resident] = field(default_factory=list)
    # (house_id, Resident, relation, start_date) – resident may be new (pk set after insert)
    links: list[tuple] = field(default_factory=list)


@dataclass
class ImportPreview:
    kind: str
    kind_label: str
    community: Community
    filename: str
    rows: int
    counts: dict[str, int]
    headers: list[str]
    sample: list[list[str]]
    token: str


@dataclass
class ImportResult:
    kind: str
    kind_label: str
    community: Community
    filename: str
    rows: int
    counts: dict[str, int]
    seconds: float


# --- permission and scope -------------------------------------------------------------------


def import_communities(actor):
    """Communities the actor may import into (those in scope with estates.add)."""
    return Community.objects.for_user(actor, "add").order_by("code")


def import_history(actor, *, limit: int = 10) -> list[dict]:
    """The latest imports into the communities the actor may import into, from the operation
    log (so a role without oplog.view sees none)."""
    names = dict(import_communities(actor).values_list("pk", "name"))
    entries = (
        OperationLog.objects.for_user(actor, "view")
        .filter(
            action=OpAction.IMPORT,
            content_type=ContentType.objects.get_for_model(Community),
            object_id__in=[str(pk) for pk in names],
        )
        .select_related("actor")[:limit]
    )
    return [
        {
            "at": e.created_at,
            "community": names.get(int(e.object_id), e.object_repr),
            "kind": e.changes.get("kind", ""),
            "kind_label": str(KINDS[e.changes["kind"]].label)
            if e.changes.get("kind") in KINDS
            else "",
            "file": e.changes.get("file", ""),
            "rows": e.changes.get("rows"),
            "counts": e.changes,
            "actor": (e.actor.name or mask_phone(e.actor.phone)) if e.actor else "",
        }
        for e in entries
    ]


def _community_for(actor, community_id, kind: ImportKind) -> Community:
    access = get_access(actor)
    if not access.can("estates.add"):
        raise PermissionDenied(_("没有批量导入房屋资料的权限"))
    try:
        pk = int(community_id)
    except (TypeError, ValueError):
        raise ApplicationError(_("请选择小区"), field="community") from None
    community = Community.objects.for_user(actor, "add").filter(pk=pk).first()
    if community is None:
        raise NotFound(_("小区不存在"))
    for perm in kind.permissions:
        if not access.can(perm):
            raise PermissionDenied(_("没有导入%(kind)s的权限") % {"kind": kind.label})
    return community


def _kind(code: str) -> ImportKind:
    kind = KINDS.get(code or "")
    if kind is None:
        raise ApplicationError(_("请选择导入类型：房屋或住户"), field="kind")
    return kind


# --- validation: structure ------------------------------------------------------------------


def _plan_structure(
    kind: ImportKind, community: Community, rows, errors: list[RowError], mask: bool
) -> ImportPlan:
    buildings = {same(b.name): b for b in Building.objects.filter(community=community)}
    units = {(u.building_id, same(u.name)): u for u in Unit.objects.filter(community=community)}
    existing = set(
        (same(b), same(u), same(room))
        for b, u, room in House.objects.filter(community=community).values_list(
            "building__name", "unit__name", "room_no"
        )
    )
    plan = ImportPlan(kind, community, len(rows), {}, [])
    seen: dict[tuple, int] = {}
    new_buildings: dict[str, Building] = {}
    new_units: dict[tuple[str, str], Unit] = {}
    floors_by_building: dict[str, int] = {}
    next_sort = max((b.sort for b in buildings.values()), default=0)
    for row_no, values, previous in with_previous(rows):
        r = RowReader(kind, row_no, values, errors, previous)
        key = house_key(r)
        floor = r.get("floor", parse_int, -9, 300)
        use = r.get("use", parse_choice, HOUSE_USES, HouseUse.RESIDENTIAL)
        area = r.get("building_area", parse_decimal, places=2, max_digits=10)
        inner = r.get("inner_area", parse_decimal, places=2, max_digits=10)
        coefficient = r.get("fee_coefficient", parse_decimal, places=3, max_digits=6)
        state = r.get("state", parse_choice, HOUSE_STATES, HouseState.UNSOLD)
        handover = r.get("handover_date", parse_date)
        notes = r.get("notes")
        if area is not None and inner is not None and inner > area:
            r.error("inner_area", _("套内面积不能大于建筑面积"))
        if key is not None:
            if key in seen:
                r.error("room", _("与第 %(row)s 行的房屋重复") % {"row": seen[key]})
            elif key in existing:
                r.error("room", _("房屋 %(house)s 已存在") % {"house": house_label(key)})
            else:
                seen[key] = row_no
        if key is None or not r.ok or errors:
            continue  # once the file is known to be bad only errors matter
        b_name, u_name, room = key
        building = buildings.get(b_name) or new_buildings.get(b_name)
        if building is None:
            next_sort += 1
            building = new_buildings[b_name] = Building(
                community=community, name=b_name, sort=next_sort
            )
        if floor is not None and floor > floors_by_building.get(b_name, 0):
            floors_by_building[b_name] = floor
        unit = units.get((building.pk, u_name)) if building.pk else None
        unit = unit or new_units.get((b_name, u_name))
        if unit is None:
            unit = new_units[(b_name, u_name)] = Unit(
                community=community, building=building, name=u_name
            )
        plan.houses.append(
            House(
                community=community,
                building=building,
                unit=unit,
                room_no=room,
                floor=floor,
                use=use,
                building_area=area,
                inner_area=inner,
                fee_coefficient=coefficient if coefficient is not None else Decimal("1.000"),
                state=state,
                handover_date=handover,
                notes=notes or "",
            )
        )
        if len(plan.sample) < SAMPLE_ROWS:
            plan.sample.append(
                [
                    b_name,
                    u_name,
                    room,
                    cell_text(floor),
                    str(HouseUse(use).label),
                    str(area),
                    cell_text(inner),
                    cell_text(coefficient),
                    str(HouseState(state).label),
                    cell_text(handover),
                ]
            )
    for name, building in new_buildings.items():
        building.floors = floors_by_building.get(name)
    plan.buildings = list(new_buildings.values())
    plan.units = list(new_units.values())
    plan.counts = {
        "buildings": len(plan.buildings),
        "units": len(plan.units),
        "houses": len(plan.houses),
    }
    return plan


# --- validation: owners ---------------------------------------------------------------------


def _existing_residents(company_id: int, phones: set[str]) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    ordered = sorted(phones)
    for i in range(0, len(ordered), BATCH):
        chunk = ordered[i : i + BATCH]
        for phone, pk, name in Resident.objects.filter(
            company_id=company_id, phone__in=chunk
        ).values_list("phone", "pk", "name"):
            found[phone] = (pk, name)
    return found


def _plan_owners(
    kind: ImportKind, community: Community, rows, errors: list[RowError], mask: bool
) -> ImportPlan:
    houses = {
        (same(b), same(u), same(room)): (pk, handover)
        for b, u, room, pk, handover in House.objects.filter(community=community).values_list(
            "building__name", "unit__name", "room_no", "pk", "handover_date"
        )
    }
    phones = {phone_text(v.get("phone")) for _, v in rows} - {""}
    # Company-wide on purpose: a phone is unique per company, whichever project the person is in.
    known = _existing_residents(community.company_id, phones)
    bound = set(
        Occupancy.objects.filter(house__community=community, end_date__isnull=True).values_list(
            "house_id", "resident_id"
        )
    )
    plan = ImportPlan(kind, community, len(rows), {}, [])
    today = timezone.localdate()
    seen_person: dict[tuple, int] = {}
    phone_names: dict[str, tuple[str, int]] = {}
    phone_ids: dict[str, tuple[str, int]] = {}
    new_by_phone: dict[str, Resident] = {}
    reused: set[int] = set()
    touched_houses: set[int] = set()
    for row_no, values, previous in with_previous(rows):
        r = RowReader(kind, row_no, values, errors, previous)
        key = house_key(r)
        name = r.get("name")
        relation = r.get("relation", parse_choice, RELATIONS, None)
        phone = r.get("phone", phone_text)
        id_card = (r.get("id_card") or "").upper()
        gender = r.get("gender", parse_choice, {"男": "M", "女": "F"}, "")
        start = r.get("start_date", parse_date)
        notes = r.get("notes")
        if isinstance(values.get("id_card"), (int, float)):
            r.error(
                "id_card", _("身份证号被存成了数字，末尾几位已丢失，请把该列设为文本格式后重填")
            )
        elif id_card and not is_id_card(id_card):
            r.error("id_card", _("身份证号格式或校验位不正确"))
        if phone and not is_mobile(phone):
            r.error("phone", _("手机号应为 11 位大陆手机号码"))
        elif not phone and relation in (Relation.OWNER, Relation.TENANT):
            r.error(
                "phone", _("%(relation)s必须填写手机号") % {"relation": Relation(relation).label}
            )
        if start and start > today:
            r.error("start_date", _("入住日期不能晚于今天"))
        house = houses.get(key) if key else None
        if key and house is None:
            r.error("room", _("房屋 %(house)s 不存在，请先导入房屋") % {"house": house_label(key)})
        if phone and name and is_mobile(phone):
            earlier = phone_names.setdefault(phone, (name, row_no))
            first_id = phone_ids.setdefault(phone, (id_card, row_no)) if id_card else None
            if earlier[0] != name:
                r.error("name", _("与第 %(row)s 行手机号相同但姓名不同") % {"row": earlier[1]})
            elif first_id and first_id[0] != id_card:
                r.error(
                    "id_card",
                    _("与第 %(row)s 行手机号相同但身份证号不同") % {"row": first_id[1]},
                )
            elif phone in known and known[phone][1] != name:
                masked = known[phone][1][:1] + "*" * (len(known[phone][1]) - 1)
                r.error(
                    "name",
                    _("该手机号已登记为本公司住户「%(name)s」，姓名不一致") % {"name": masked},
                )
        if key and name:
            marks = [(key, "name", name)] + ([(key, "phone", phone)] if phone else [])
            first = next(
                (f for f in (seen_person.setdefault(m, row_no) for m in marks) if f != row_no), None
            )
            if first:
                r.error("name", _("与第 %(row)s 行是同一房屋的同一住户") % {"row": first})
        if house and phone in known and (house[0], known[phone][0]) in bound:
            r.error("name", _("该住户已绑定此房屋"))
        if key is None or house is None or not r.ok or errors:
            continue
        house_id, handover = house
        if phone and phone in known:
            resident = Resident(
                pk=known[phone][0], company_id=community.company_id, name=name, phone=phone
            )
            reused.add(resident.pk)
        elif phone and phone in new_by_phone:
            resident = new_by_phone[phone]
        else:
            resident = Resident(
                company_id=community.company_id,
                name=name,
                phone=phone or "",
                id_card=id_card,
                gender=gender or "",
                notes=notes or "",
            )
            plan.residents.append(resident)
            if phone:
                new_by_phone[phone] = resident
        touched_houses.add(house_id)
        plan.links.append((house_id, resident, relation, start or handover or today))
        if len(plan.sample) < SAMPLE_ROWS:
            plan.sample.append(
                [
                    *key,
                    name,
                    str(Relation(relation).label),
                    mask_phone(phone) if mask else phone or "",
                    mask_id_card(id_card) if mask else id_card,
                    cell_text(start or handover or today),
                ]
            )
    plan.counts = {
        "residents": len(plan.residents),
        "residents_existing": len(reused),
        "occupancies": len(plan.links),
        "houses": len(touched_houses),
    }
    return plan


def _plan(kind: ImportKind, community: Community, sheet: tuple, actor) -> ImportPlan:
    rows, errors = sheet
    mask = not get_access(actor).can("residents.view_sensitive")
    planner = _plan_structure if kind is STRUCTURE else _plan_owners
    plan = planner(kind, community, rows, errors, mask)
    if errors:
        if mask:  # the error table is a list like any other (SPEC §4)
            masker = {"phone": mask_phone, "id_card": mask_id_card}
            errors = [
                replace(e, value=masker[e.key](e.value)) if e.key in masker else e for e in errors
            ]
        raise ImportInvalid(errors)
    if not plan.links and not plan.houses:
        raise ApplicationError(_("文件中没有可导入的数据行"), field="file")
    return plan


# --- the two public actions -----------------------------------------------------------------


def estate_import_preview(*, actor, community_id, kind: str, upload) -> ImportPreview:
    """Validate an uploaded workbook without writing; keep it privately for the commit.

    A bad file raises ImportInvalid whose `report_token` lets the same user download the
    file annotated with its errors (`estate_import_error_report`)."""
    import_kind = _kind(kind)
    community = _community_for(actor, community_id, import_kind)
    filename, data = read_upload(upload, max_bytes=MAX_BYTES)
    sheet = read_sheet(import_kind, data, max_rows=MAX_ROWS)
    try:
        plan = _plan(import_kind, community, sheet, actor)
    except ImportInvalid as exc:
        exc.report_token = keep(
            data,
            actor=actor,
            community_id=community.pk,
            kind=import_kind.code,
            filename=filename,
            purpose="report",
        )
        raise
    token = keep(
        rows_dump(sheet[0]),
        actor=actor,
        community_id=community.pk,
        kind=import_kind.code,
        filename=filename,
        purpose="commit",
    )
    return ImportPreview(
        import_kind.code,
        str(import_kind.label),
        community,
        filename,
        plan.rows,
        plan.counts,
        import_kind.sample_headers,
        plan.sample,
        token,
    )


def estate_import_error_report(*, actor, token: str) -> tuple[str, bytes]:
    """The rejected file with its bad cells marked and a 错误说明 column, re-checked now."""
    payload = payload_of(token, actor, "report")
    kind = _kind(str(payload.get("k", "")))
    community = _community_for(actor, payload.get("c"), kind)
    data = read_kept(payload)
    try:
        _plan(kind, community, read_sheet(kind, data, max_rows=MAX_ROWS), actor)
        errors: list[RowError] = []
    except ImportInvalid as exc:
        errors = exc.row_errors
    stem = os.path.splitext(payload.get("n") or _("导入文件"))[0]
    return _("%(name)s-错误报告.xlsx") % {"name": stem}, annotate_errors(kind, data, errors)


def estate_import_commit(*, actor, token: str) -> ImportResult:
    """Re-validate the previewed file and write it all in one transaction, or nothing."""
    started = time.perf_counter()
    payload, data = claim(token, actor)
    kind = _kind(str(payload.get("k", "")))
    community = _community_for(actor, payload.get("c"), kind)
    # Decode before taking the write transaction: on SQLite it locks the whole database.
    try:
        sheet: tuple[list, list[RowError]] = (rows_load(data), [])
    except (ValueError, TypeError, KeyError):
        raise ApplicationError(_("导入文件已损坏，请重新上传"), field="token") from None
    try:
        with transaction.atomic():
            plan = _plan(kind, community, sheet, actor)
            _write(plan)
            oplog_record(
                actor=actor,
                action=OpAction.IMPORT,
                obj=community,
                company=community.company_id,
                changes={
                    "kind": kind.code,
                    "file": payload.get("n", ""),
                    "rows": plan.rows,
                    **plan.counts,
                },
                note=_("批量导入%(kind)s：%(file)s")
                % {"kind": kind.label, "file": payload.get("n", "")},
            )
    except (IntegrityError, DataError):  # a concurrent writer, or a value the checks missed
        raise ApplicationError(
            _("导入期间数据被其他人修改，未导入任何数据，请重新上传预览"), field="file"
        ) from None
    return ImportResult(
        kind.code,
        str(kind.label),
        community,
        payload.get("n", ""),
        plan.rows,
        plan.counts,
        time.perf_counter() - started,
    )


def _write(plan: ImportPlan) -> None:
    Building.objects.bulk_create(plan.buildings, batch_size=BATCH)
    for unit in plan.units:
        unit.building_id = unit.building.pk
    Unit.objects.bulk_create(plan.units, batch_size=BATCH)
    for house in plan.houses:
        house.building_id, house.unit_id = house.building.pk, house.unit.pk
    House.objects.bulk_create(plan.houses, batch_size=BATCH)
    if plan.residents:
        Resident.objects.bulk_create(plan.residents, batch_size=BATCH)
    if plan.links:
        Occupancy.objects.bulk_create(
            [
                Occupancy(house_id=h, resident_id=res.pk, relation=rel, start_date=start)
                for h, res, rel, start in plan.links
            ],
            batch_size=BATCH,
        )


def estate_import_template(kind: str) -> tuple[str, bytes]:
    """The blank workbook a clerk fills in: (file name, .xlsx bytes)."""
    import_kind = _kind(kind)
    return _("%(kind)s导入模板.xlsx") % {"kind": import_kind.label}, build_template(import_kind)
