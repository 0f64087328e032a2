"""Builders for organisations, estates and people. The demo loader and the test personas use
the same functions, so what the tests exercise is what the demo shows."""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from wuyetong.accounts.models import User
from wuyetong.core.validators import id_card_check_digit
from wuyetong.estates.choices import HouseState, Relation
from wuyetong.estates.models import Building, House, Occupancy, Resident, Unit
from wuyetong.orgs import services as org_services
from wuyetong.orgs.choices import ApprovalStatus, OrgKind
from wuyetong.orgs.models import (
    Bureau,
    BureauMember,
    City,
    Community,
    Company,
    District,
    Merchant,
    OrgUnit,
    Role,
)
from wuyetong.orgs.permissions import DEFAULT_COMPANY_MODULES, ROLE_TEMPLATES

DEMO_PASSWORD = "wuyetong123"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍建国志强海燕红梅晓东雪梅俊杰子涵浩然欣怡梓萱宇轩"


def make_id_card(seed: int, birth: dt.date | None = None, region: str = "330106") -> str:
    birth = birth or dt.date(1960, 1, 1) + dt.timedelta(days=seed * 37 % 15000)
    body = f"{region}{birth:%Y%m%d}{seed % 1000:03d}"
    return body + id_card_check_digit(body)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


@functools.cache
def _password_hash(password: str, hasher: str) -> str:
    return make_password(password)


def user_create(phone: str, name: str, password: str = DEMO_PASSWORD, **extra) -> User:
    # Every demo account has the published demo password: hash it once per process, not
    # once per account (PBKDF2 takes about 0.3 s; it was a third of load_demo's time).
    user = User.objects.create_user(phone=phone, password=None, name=name, **extra)
    user.password = _password_hash(password, settings.PASSWORD_HASHERS[0])
    user.save(update_fields=["password"])
    return user


def city_create(
    name="杭州市", code="330100", districts=(("西湖区", "330106"), ("滨江区", "330108"))
):
    city = City.objects.create(name=name, code=code)
    created = [District.objects.create(city=city, name=n, code=c) for n, c in districts]
    return city, created


def bureau_create(
    *, name: str, city: City, district: District | None, official_phone: str, official_name: str
):
    bureau = Bureau.objects.create(name=name, city=city, district=district, is_active=True)
    official = user_create(official_phone, official_name)
    BureauMember.objects.create(bureau=bureau, user=official, title="科员")
    return bureau, official


@dataclass
class CompanyBundle:
    company: Company
    hq: OrgUnit
    region: OrgUnit
    projects: list[OrgUnit]
    roles: dict[str, Role] = field(default_factory=dict)
    staff: dict[str, User] = field(default_factory=dict)


def company_create(
    *,
    name: str,
    short_name: str,
    credit_code: str,
    city: City,
    actor=None,
    approved: bool = True,
    region_name: str = "华东区域",
    project_names=("一期项目", "二期项目"),
):
    company = Company.objects.create(
        name=name,
        short_name=short_name,
        credit_code=credit_code,
        city=city,
        contact_name="张经理",
        contact_phone="0571-88886666",
        status=ApprovalStatus.APPROVED if approved else ApprovalStatus.PENDING,
        modules=list(DEFAULT_COMPANY_MODULES) if approved else [],
        introduction=f"{name}是一家专注住宅小区服务的物业服务企业。",
    )
    hq = org_services.org_unit_create(
        actor=actor, company=company, kind=OrgKind.HQ, name=f"{short_name}总部"
    )
    region = org_services.org_unit_create(
        actor=actor, company=company, kind=OrgKind.REGION, name=region_name, parent=hq
    )
    projects = [
        org_services.org_unit_create(
            actor=actor, company=company, kind=OrgKind.PROJECT, name=p, parent=region
        )
        for p in project_names
    ]
    bundle = CompanyBundle(company, hq, region, projects)
    for code in ROLE_TEMPLATES:
        bundle.roles[code] = org_services.role_create_from_template(
            actor=actor, company=company, template=code
        )
    return bundle


def employee_create(
    *,
    bundle: CompanyBundle,
    phone: str,
    name: str,
    template: str,
    org_unit: OrgUnit | None = None,
    employee_no: str | None = None,
    actor=None,
) -> User:
    """A staff member through the real services, so the operation log shows who added whom."""
    user = user_create(phone, name)
    unit = org_unit or (
        bundle.hq if ROLE_TEMPLATES[template]["scope"] != "project" else bundle.projects[0]
    )
    if template == "finance":
        unit = org_unit or bundle.region
    employee = org_services.employee_create(
        actor=actor,
        company=bundle.company,
        phone=phone,
        name=name,
        org_unit=unit,
        employee_no=employee_no or f"E{phone[-6:]}",
        hired_on=dt.date(2023, 3, 1),
    )
    org_services.employee_assign_roles(
        actor=actor, employee=employee, roles=[bundle.roles[template]]
    )
    bundle.staff[template] = user
    return user


def community_create(
    *,
    company: Company,
    project: OrgUnit,
    district: District,
    name: str,
    code: str,
    approved: bool = True,
    address: str = "",
) -> Community:
    return Community.objects.create(
        company=company,
        project=project,
        district=district,
        name=name,
        code=code,
        address=address or f"{district.city.name}{district.name}{name}路88号",
        status=ApprovalStatus.APPROVED if approved else ApprovalStatus.PENDING,
        service_phone="0571-88001234",
    )


@transaction.atomic
def houses_create(
    community: Community, *, buildings: int, units: int, floors: int, per_floor: int, seed: int = 0
) -> list[House]:
    """A regular grid of houses; states and areas vary plausibly but deterministically."""
    rng = random.Random(seed)
    b_objs = Building.objects.bulk_create(
        [
            Building(community=community, name=f"{b}幢", floors=floors, sort=b)
            for b in range(1, buildings + 1)
        ]
    )
    u_objs = Unit.objects.bulk_create(
        [
            Unit(community=community, building=b, name=f"{u}单元")
            for b in b_objs
            for u in range(1, units + 1)
        ]
    )
    states = (
        [HouseState.OCCUPIED] * 14
        + [HouseState.VACANT] * 2
        + [HouseState.RENTED] * 2
        + [HouseState.RENOVATING, HouseState.DELIVERED, HouseState.UNSOLD]
    )
    houses = []
    for unit in u_objs:
        for f in range(1, floors + 1):
            for r in range(1, per_floor + 1):
                area = (
                    Decimal(rng.choice((89, 96, 105, 118, 126, 143)))
                    + Decimal(rng.randint(0, 99)) / 100
                )
                state = rng.choice(states)
                houses.append(
                    House(
                        community=community,
                        building=unit.building,
                        unit=unit,
                        room_no=f"{f}{r:02d}",
                        floor=f,
                        building_area=area,
                        inner_area=(area * Decimal("0.78")).quantize(Decimal("0.01")),
                        state=state,
                        handover_date=None
                        if state == HouseState.UNSOLD
                        else dt.date(2019, 6, 1) + dt.timedelta(days=rng.randint(0, 400)),
                    )
                )
    return House.objects.bulk_create(houses, batch_size=1000)


@transaction.atomic
def residents_populate(
    company: Company, houses: list[House], *, seed: int = 0, phone_prefix: str = "186"
) -> int:
    """Owners for sold houses, some family members and tenants. Returns residents made."""
    rng = random.Random(seed)
    residents, links = [], []
    counter = 0
    for house in houses:
        if house.state == HouseState.UNSOLD:
            continue
        counter += 1
        owner = Resident(
            company=company,
            name=person_name(rng),
            phone=f"{phone_prefix}{seed % 10}{counter:07d}",
            id_card=make_id_card(seed * 100000 + counter),
            gender=rng.choice("MF"),
        )
        residents.append(owner)
        links.append((house, owner, Relation.OWNER))
        if rng.random() < 0.35:
            fam = Resident(company=company, name=person_name(rng), gender=rng.choice("MF"))
            residents.append(fam)
            links.append((house, fam, Relation.FAMILY))
        if house.state == HouseState.RENTED:
            counter += 1
            tenant = Resident(
                company=company,
                name=person_name(rng),
                phone=f"{phone_prefix}{seed % 10}{counter:07d}",
                gender=rng.choice("MF"),
            )
            residents.append(tenant)
            links.append((house, tenant, Relation.TENANT))
    Resident.objects.bulk_create(residents, batch_size=1000)
    Occupancy.objects.bulk_create(
        [
            Occupancy(
                house=h, resident=r, relation=rel, start_date=h.handover_date or dt.date(2020, 1, 1)
            )
            for h, r, rel in links
        ],
        batch_size=1000,
    )
    return len(residents)


def owner_bind(
    *, user: User, house: House, relation: str = Relation.OWNER, start: dt.date | None = None
) -> Occupancy:
    """Bind a registered user to a house directly (used by demo data and tests)."""
    resident, _ = Resident.objects.get_or_create(
        company_id=house.community.company_id,
        phone=user.phone,
        defaults={"name": user.name or user.phone, "user": user, "id_card": user.id_card},
    )
    if resident.user_id != user.pk:
        resident.user = user
        resident.save(update_fields=["user"])
    return Occupancy.objects.create(
        house=house, resident=resident, relation=relation, start_date=start or dt.date(2021, 1, 1)
    )


def merchant_create(
    *, name: str, phone: str, communities: list[Community], approved: bool = True
) -> tuple[Merchant, User]:
    merchant = Merchant.objects.create(
        name=name,
        contact_name="店长",
        contact_phone=phone,
        category="生鲜便利",
        status=ApprovalStatus.APPROVED if approved else ApprovalStatus.PENDING,
        is_active=approved,
    )
    merchant.communities.set(communities)
    user = user_create(phone, f"{name}店长")
    merchant.members.add(user)
    return merchant, user


PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@transaction.atomic
def amenities_create(
    community: Community, houses: list[House], *, seed: int = 0, spaces: int = 120
) -> None:
    """A parking lot with sold, rented and free spaces and the owners' cars; shops, venues and
    ad spaces — so every resource list of the demo has plausible rows."""
    from wuyetong.estates.models import AdSpace, ParkingLot, ParkingSpace, Shop, Vehicle, Venue

    rng = random.Random(seed)
    lot = ParkingLot.objects.create(community=community, name="地下车场", underground=True)
    owned = [h for h in houses if h.state in (HouseState.OCCUPIED, HouseState.RENTED)]
    rng.shuffle(owned)
    space_rows = []
    for i in range(1, spaces + 1):
        state = "sold" if i <= spaces // 2 else "rented" if i <= spaces * 2 // 3 else "free"
        house = owned[i - 1] if state != "free" and i - 1 < len(owned) else None
        space_rows.append(
            ParkingSpace(
                community=community,
                lot=lot,
                code=f"B1-{i:03d}",
                area=Decimal("13.50"),
                state=state if house else "free",
                house=house,
                rent_until=dt.date(2027, 6, 30) if state == "rented" and house else None,
            )
        )
    ParkingSpace.objects.bulk_create(space_rows)
    owners = {
        o.house_id: o.resident_id
        for o in Occupancy.objects.filter(
            house__community=community, relation=Relation.OWNER, end_date__isnull=True
        )
    }
    plates: set[str] = set()
    vehicles = []
    for space in ParkingSpace.objects.filter(lot=lot, house__isnull=False):
        while True:
            plate = (
                "浙A"
                + "".join(rng.choice(PLATE_LETTERS + "0123456789") for _ in range(4))
                + str(rng.randint(0, 9))
            )
            if plate not in plates:
                plates.add(plate)
                break
        vehicles.append(
            Vehicle(
                community=community,
                plate=plate,
                house_id=space.house_id,
                resident_id=owners.get(space.house_id) if space.house_id else None,
                space=space,
                brand=rng.choice(
                    ["大众朗逸", "丰田卡罗拉", "比亚迪汉", "特斯拉Model 3", "本田雅阁"]
                ),
                color=rng.choice(["白色", "黑色", "银色", "蓝色"]),
            )
        )
    Vehicle.objects.bulk_create(vehicles)
    Shop.objects.bulk_create(
        [
            Shop(
                community=community,
                code=f"S{i:02d}",
                name=name,
                building_area=Decimal(area),
                state="rented" if i <= 4 else "vacant",
                tenant_name=name if i <= 4 else "",
                tenant_phone=f"1350000{seed:02d}{i:02d}" if i <= 4 else "",
            )
            for i, (name, area) in enumerate(
                [
                    ("便民超市", "85.00"),
                    ("洗衣店", "42.50"),
                    ("早餐店", "38.00"),
                    ("药店", "60.00"),
                    ("", "55.00"),
                    ("", "48.00"),
                ],
                start=1,
            )
        ]
    )
    Venue.objects.bulk_create(
        [
            Venue(
                community=community,
                name="业主活动室",
                location="会所二楼",
                capacity=60,
                area=Decimal("120.00"),
            ),
            Venue(
                community=community,
                name="篮球场",
                location="中心花园东侧",
                capacity=30,
                area=Decimal("420.00"),
            ),
            Venue(
                community=community,
                name="中心广场",
                location="小区中心",
                capacity=200,
                area=Decimal("800.00"),
            ),
        ]
    )
    AdSpace.objects.bulk_create(
        [
            AdSpace(
                community=community,
                code=f"AD{i:02d}",
                location=loc,
                size=size,
                rented_to="分众传媒" if i <= 2 else "",
                rent_until=dt.date(2027, 3, 31) if i <= 2 else None,
            )
            for i, (loc, size) in enumerate(
                [
                    ("1幢电梯轿厢", "60×90cm"),
                    ("2幢电梯轿厢", "60×90cm"),
                    ("南大门道闸", "300×60cm"),
                    ("地下车场入口", "200×100cm"),
                ],
                start=1,
            )
        ]
    )
