"""Service-desk fixtures on top of the shared `world`: a type tree and SLA rules for company A,
a second repair worker, duty cards, helpers to reach any state and to capture pushes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from wuyetong.demo import builders
from wuyetong.orgs.models import Employee
from wuyetong.servicedesk import services
from wuyetong.servicedesk.choices import CaseKind, Urgency
from wuyetong.servicedesk.models import Case, CaseType, CaseWorker, SlaRule


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PNG = _image("PNG")
JPEG = _image("JPEG")
WEBP = _image("WEBP")


@dataclass
class Desk:
    world: Any
    water: CaseType
    leak: CaseType
    door: CaseType
    noise: CaseType
    worker: Any  # user
    worker2: Any
    rule: SlaRule

    def rule_minutes(self, which: str):
        from datetime import timedelta

        return timedelta(minutes=getattr(self.rule, f"{which}_minutes"))

    def emp(self, user) -> Employee:
        return Employee.objects.get(user=user)

    @property
    def cs(self):
        return self.world.staff("customer_service")

    def submit(self, kind: str = CaseKind.REPAIR, **overrides) -> Case:
        data: dict[str, Any] = {
            "reporter": self.world.owner,
            "kind": kind,
            "case_type_id": (self.leak if kind == CaseKind.REPAIR else self.noise).pk,
            "description": "厨房水管漏水" if kind == CaseKind.REPAIR else "楼上装修噪音",
            "house_id": self.world.owner_house.pk,
        }
        if kind == CaseKind.COMPLAINT:
            data["reason"] = "夜间施工"
        data.update(overrides)
        return services.case_submit(**data)

    def drive(self, case: Case, to: str) -> Case:
        """Walk a case along the happy path until it reaches `to`."""
        steps = [
            (
                "dispatched",
                lambda: services.case_dispatch(
                    actor=self.cs, case_id=case.pk, assignee_id=self.emp(self.worker).pk
                ),
            ),
            ("accepted", lambda: services.case_accept(actor=self.worker, case_id=case.pk)),
            ("on_site", lambda: services.case_arrive(actor=self.worker, case_id=case.pk)),
            ("in_progress", lambda: services.case_start(actor=self.worker, case_id=case.pk)),
            (
                "completed",
                lambda: services.case_complete(
                    actor=self.worker, case_id=case.pk, reply="已处理完毕并书面答复"
                ),
            ),
            (
                "rated",
                lambda: services.case_rate(
                    reporter=self.world.owner, case_id=case.pk, rating="good"
                ),
            ),
            ("closed", lambda: services.case_close(actor=self.cs, case_id=case.pk)),
        ]
        for state, step in steps:
            step()
            if state == to:
                break
        case.refresh_from_db()
        assert case.state == to
        return case


@pytest.fixture
def desk(world) -> Desk:
    company = world.company_a
    water = CaseType.objects.create(company=company, kind=CaseKind.REPAIR, name="水电")
    leak = CaseType.objects.create(company=company, kind=CaseKind.REPAIR, name="漏水", parent=water)
    door = CaseType.objects.create(company=company, kind=CaseKind.REPAIR, name="门窗")
    CaseType.objects.create(company=company, kind=CaseKind.REPAIR, name="公共设施")
    CaseType.objects.create(company=company, kind=CaseKind.REPAIR, name="电梯")
    noise = CaseType.objects.create(company=company, kind=CaseKind.COMPLAINT, name="噪音扰民")
    rule = SlaRule.objects.create(
        company=company,
        kind=CaseKind.REPAIR,
        urgency=Urgency.NORMAL,
        response_minutes=30,
        resolution_minutes=240,
        warn_before_minutes=10,
        bureau_on_breach=True,
        bureau_on_bad_rating=True,
    )
    SlaRule.objects.create(
        company=company,
        kind=CaseKind.COMPLAINT,
        urgency=Urgency.NORMAL,
        response_minutes=60,
        resolution_minutes=1440,
        warn_before_minutes=30,
    )
    worker = world.staff("repair_worker")
    worker2 = builders.employee_create(
        bundle=world.a, phone="13900000099", name="李师傅", template="repair_worker"
    )
    world.a.staff["repair_worker"] = worker  # employee_create replaced the persona
    for user in (worker, worker2):
        card = CaseWorker.objects.create(company=company, employee=Employee.objects.get(user=user))
        card.case_types.add(water)
    return Desk(world, water, leak, door, noise, worker, worker2, rule)


@pytest.fixture
def pushes(monkeypatch) -> list[tuple[str, dict]]:
    """Every realtime publish of the service desk, in order (the transport is core's)."""
    sent: list[tuple[str, dict]] = []

    def fake(group: str, payload: dict) -> None:
        sent.append((group, payload))

    from wuyetong.servicedesk.services import _common, oversight, owner, sla

    for module in (_common, oversight, owner, sla):
        monkeypatch.setattr(module, "publish", fake)
    return sent


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def a2_case(desk) -> Case:
    """A case in 西溪花园 (project 2 of company A), outside the project-1 staff's scope."""
    owner = builders.user_create("13500000077", "钱西溪")
    builders.owner_bind(user=owner, house=desk.world.houses_a2[0])
    return services.case_submit(
        reporter=owner,
        kind=CaseKind.REPAIR,
        case_type_id=desk.door.pk,
        description="西溪门锁坏了",
        house_id=desk.world.houses_a2[0].pk,
    )
