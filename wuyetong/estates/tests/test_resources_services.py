"""Resource services: the rules shared by the console and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wuyetong.core.exceptions import ApplicationError, PermissionDenied
from wuyetong.estates.choices import HouseState, Relation, SpaceState
from wuyetong.estates.models import Building, House, Occupancy, ParkingLot, Resident, Unit, Vehicle
from wuyetong.estates.services import resources as svc
from wuyetong.orgs.choices import ApprovalStatus
from wuyetong.orgs.models import OperationLog

pytestmark = pytest.mark.django_db
D = dt.date


def _pm(world):
    return world.staff("project_manager")


def _sold_house(world, index=1):
    house = world.houses_a1[index]
    House.objects.filter(pk=house.pk).update(state=HouseState.DELIVERED)
    house.refresh_from_db()
    return house


# ---------------------------------------------------------------- occupancy history


def test_move_in_creates_resident_and_open_binding_with_oplog(world):
    house = _sold_house(world)
    occ = svc.occupancy_move_in(
        actor=_pm(world),
        house=house,
        relation=Relation.OWNER,
        start_date=D(2024, 3, 1),
        name="陈立",
        phone="13812345678",
        id_card="",
    )
    assert occ.end_date is None and occ.resident.company_id == world.company_a.pk
    assert occ.resident.name == "陈立"
    log = OperationLog.objects.filter(content_type__model="occupancy", object_id=str(occ.pk)).get()
    assert "入住" in log.note and log.action == "create" and log.company_id == world.company_a.pk


def test_move_in_reuses_resident_with_same_phone_in_company(world):
    pm = _pm(world)
    first = svc.occupancy_move_in(
        actor=pm,
        house=_sold_house(world, 1),
        relation=Relation.OWNER,
        start_date=D(2024, 1, 1),
        name="陈立",
        phone="13812345678",
    )
    second = svc.occupancy_move_in(
        actor=pm,
        house=_sold_house(world, 2),
        relation=Relation.OWNER,
        start_date=D(2024, 1, 1),
        name="陈立二",
        phone="13812345678",
    )
    assert first.resident_id == second.resident_id
    assert Resident.objects.filter(phone="13812345678").count() == 1


def test_move_out_keeps_history_and_rejects_second_move_out(world):
    pm = _pm(world)
    occ = svc.occupancy_move_in(
        actor=pm,
        house=_sold_house(world),
        relation=Relation.TENANT,
        start_date=D(2023, 5, 1),
        name="租客甲",
        phone="13911112222",
    )
    svc.occupancy_move_out(actor=pm, occupancy=occ, end_date=D(2024, 4, 30), end_reason="租期届满")
    occ.refresh_from_db()
    assert (occ.end_date, occ.end_reason) == (D(2024, 4, 30), "租期届满")
    assert Occupancy.objects.filter(pk=occ.pk).exists()  # history kept
    with pytest.raises(ApplicationError, match="已迁出"):
        svc.occupancy_move_out(actor=pm, occupancy=occ, end_date=D(2024, 5, 1), end_reason="再次")


@pytest.mark.parametrize(
    ("end_date", "reason", "field"),
    [
        (D(2023, 4, 30), "早于入住", "end_date"),
        (None, "无日期", "end_date"),
        (D(2024, 1, 1), " ", "end_reason"),
    ],
)
def test_move_out_bad_input_names_field_and_changes_nothing(world, end_date, reason, field):
    pm = _pm(world)
    occ = svc.occupancy_move_in(
        actor=pm,
        house=_sold_house(world),
        relation=Relation.OWNER,
        start_date=D(2023, 5, 1),
        name="甲",
        phone="13911112222",
    )
    with pytest.raises(ApplicationError) as exc:
        svc.occupancy_move_out(actor=pm, occupancy=occ, end_date=end_date, end_reason=reason)
    assert exc.value.field == field
    occ.refresh_from_db()
    assert occ.end_date is None


def test_rebind_closes_old_binding_and_opens_new_one_same_day(world):
    pm = _pm(world)
    old_house, new_house = _sold_house(world, 1), _sold_house(world, 2)
    occ = svc.occupancy_move_in(
        actor=pm,
        house=old_house,
        relation=Relation.OWNER,
        start_date=D(2022, 1, 1),
        name="业主乙",
        phone="13922223333",
    )
    new = svc.occupancy_rebind(
        actor=pm, occupancy=occ, house=new_house, date=D(2024, 6, 1), reason="登记错误"
    )
    occ.refresh_from_db()
    assert (
        occ.end_date == D(2024, 6, 1)
        and "改绑至" in occ.end_reason
        and "登记错误" in occ.end_reason
    )
    assert (new.house_id, new.resident_id, new.relation, new.start_date, new.end_date) == (
        new_house.pk,
        occ.resident_id,
        Relation.OWNER,
        D(2024, 6, 1),
        None,
    )
    history = list(Occupancy.objects.filter(resident=occ.resident).order_by("start_date"))
    assert [o.house_id for o in history] == [old_house.pk, new_house.pk]


def test_rebind_to_same_house_or_other_company_refused(world):
    pm = _pm(world)
    house = _sold_house(world)
    occ = svc.occupancy_move_in(
        actor=pm,
        house=house,
        relation=Relation.OWNER,
        start_date=D(2022, 1, 1),
        name="业主丙",
        phone="13933334444",
    )
    with pytest.raises(ApplicationError) as same:
        svc.occupancy_rebind(actor=pm, occupancy=occ, house=house, date=D(2024, 1, 1))
    with pytest.raises(ApplicationError) as foreign:
        svc.occupancy_rebind(actor=pm, occupancy=occ, house=world.houses_b1[1], date=D(2024, 1, 1))
    assert same.value.field == foreign.value.field == "house"
    occ.refresh_from_db()
    assert occ.end_date is None and Occupancy.objects.filter(resident=occ.resident).count() == 1


def test_owner_cannot_move_into_unsold_house(world):
    house = world.houses_a1[1]
    House.objects.filter(pk=house.pk).update(state=HouseState.UNSOLD)
    house.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        svc.occupancy_move_in(
            actor=_pm(world),
            house=house,
            relation=Relation.OWNER,
            start_date=D(2024, 1, 1),
            name="某人",
            phone="13944445555",
        )
    assert exc.value.field == "relation"
    assert not Resident.objects.filter(
        phone="13944445555"
    ).exists()  # atomic: resident not half-made


def test_move_in_twice_to_same_house_refused(world):
    owner_occ = Occupancy.objects.get(house=world.owner_house, resident__user=world.owner)
    with pytest.raises(ApplicationError, match="已在该房屋入住"):
        svc.occupancy_move_in(
            actor=_pm(world),
            house=world.owner_house,
            relation=Relation.FAMILY,
            start_date=D(2024, 1, 1),
            resident=owner_occ.resident,
        )


def test_other_company_staff_cannot_move_into_or_out_of_our_houses(world):
    intruder = world.staff("project_manager", "b")
    with pytest.raises(ApplicationError) as exc:
        svc.occupancy_move_in(
            actor=intruder,
            house=_sold_house(world),
            relation=Relation.OWNER,
            start_date=D(2024, 1, 1),
            name="外人",
            phone="13955556666",
        )
    assert exc.value.code == "not_found"
    occ = Occupancy.objects.get(house=world.owner_house)
    with pytest.raises(ApplicationError):
        svc.occupancy_move_out(
            actor=intruder, occupancy=occ, end_date=D(2024, 1, 1), end_reason="x"
        )
    occ.refresh_from_db()
    assert occ.end_date is None


def test_role_without_residents_permission_cannot_move_in(world):
    with pytest.raises(PermissionDenied):
        svc.occupancy_move_in(
            actor=world.staff("repair_worker"),
            house=_sold_house(world),
            relation=Relation.OWNER,
            start_date=D(2024, 1, 1),
            name="x",
        )


# ---------------------------------------------------------------- houses


def test_batch_state_change_updates_all_and_logs_each(world):
    ids = [h.pk for h in world.houses_a1[:4]]
    changed = svc.houses_set_state(actor=_pm(world), house_ids=ids, state=HouseState.RENOVATING)
    assert changed == sum(1 for h in world.houses_a1[:4] if h.state != HouseState.RENOVATING)
    assert set(House.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        HouseState.RENOVATING
    }
    assert OperationLog.objects.filter(note="批量修改房屋状态").count() == changed


def test_batch_state_with_a_foreign_house_changes_nothing(world):
    ids = [world.houses_a1[0].pk, world.houses_b1[0].pk]
    before = dict(House.objects.filter(pk__in=ids).values_list("pk", "state"))
    with pytest.raises(ApplicationError) as exc:
        svc.houses_set_state(actor=_pm(world), house_ids=ids, state=HouseState.VACANT)
    assert exc.value.field == "houses"
    assert dict(House.objects.filter(pk__in=ids).values_list("pk", "state")) == before


def test_project_manager_cannot_batch_change_other_project_houses(world):
    # community_a2 belongs to the company's second project, outside the manager's scope.
    with pytest.raises(ApplicationError):
        svc.houses_set_state(
            actor=_pm(world), house_ids=[world.houses_a2[0].pk], state=HouseState.VACANT
        )


def test_house_create_derives_building_and_community_from_unit(world):
    unit = Unit.objects.filter(community=world.community_a1).first()
    house = svc.house_create(
        actor=_pm(world),
        unit=unit,
        room_no="9901",
        building_area=Decimal("88.50"),
        inner_area=Decimal("70.00"),
        state=HouseState.DELIVERED,
    )
    assert (house.community_id, house.building_id) == (unit.community_id, unit.building_id)
    assert OperationLog.objects.filter(
        content_type__model="house", object_id=str(house.pk), action="create"
    ).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"room_no": "101", "building_area": Decimal("80")}, "room_no"),  # duplicate in unit
        ({"room_no": "9902", "building_area": Decimal("-1")}, "building_area"),
        (
            {"room_no": "9903", "building_area": Decimal("80"), "inner_area": Decimal("90")},
            "inner_area",
        ),
        ({"room_no": "", "building_area": Decimal("80")}, "room_no"),
        ({"room_no": "9904", "building_area": Decimal("80"), "state": "sold"}, "state"),
    ],
)
def test_house_create_bad_input_names_field_and_writes_nothing(world, kwargs, field):
    unit = world.houses_a1[0].unit
    count = House.objects.count()
    with pytest.raises(ApplicationError) as exc:
        svc.house_create(actor=_pm(world), unit=unit, **kwargs)
    assert exc.value.field == field
    assert House.objects.count() == count


def test_house_update_logs_diff(world):
    house = world.houses_a1[0]
    svc.house_update(
        actor=_pm(world), house=house, notes="东边套", fee_coefficient=Decimal("1.100")
    )
    log = OperationLog.objects.filter(content_type__model="house", object_id=str(house.pk)).latest(
        "id"
    )
    assert log.changes["notes"] == ["", "东边套"]
    assert log.changes["fee_coefficient"] == ["1.000", "1.100"]


def test_update_refuses_fields_not_editable(world):
    with pytest.raises(ApplicationError) as exc:
        svc.house_update(actor=_pm(world), house=world.houses_a1[0], community=world.community_b1)
    assert exc.value.field == "community"


# ---------------------------------------------------------------- vehicles and parking


@pytest.mark.parametrize("plate", ["浙A12345", "浙a 12345", "浙A·D12345", "粤B12345学"])
def test_valid_plates_are_normalised_and_accepted(world, plate):
    v = svc.vehicle_create(actor=_pm(world), community=world.community_a1, plate=plate)
    assert v.plate == plate.upper().replace(" ", "").replace("·", "")


@pytest.mark.parametrize(
    "plate", ["", "A12345", "浙I12345", "浙A1234", "浙A123456789", "京A1234O?"]
)
def test_bad_plates_are_refused_on_the_plate_field(world, plate):
    with pytest.raises(ApplicationError) as exc:
        svc.vehicle_create(actor=_pm(world), community=world.community_a1, plate=plate)
    assert exc.value.field == "plate"
    assert not Vehicle.objects.exists()


def test_duplicate_plate_in_community_refused(world):
    svc.vehicle_create(actor=_pm(world), community=world.community_a1, plate="浙A12345")
    with pytest.raises(ApplicationError, match="已登记") as exc:
        svc.vehicle_create(actor=_pm(world), community=world.community_a1, plate="浙a12345")
    assert exc.value.field == "plate"


def test_vehicle_house_must_be_in_same_community(world):
    with pytest.raises(ApplicationError) as exc:
        svc.vehicle_create(
            actor=world.staff("hq_admin"),
            community=world.community_a1,
            plate="浙A12345",
            house=world.houses_a2[0],
        )
    assert exc.value.field == "house"


def test_parking_space_states_with_house(world):
    pm = _pm(world)
    lot = svc.parking_lot_create(
        actor=pm, community=world.community_a1, name="地下一层", underground=True
    )
    space = svc.parking_space_create(actor=pm, lot=lot, code="B1-001")
    assert space.state == SpaceState.FREE and space.house is None
    with pytest.raises(ApplicationError) as exc:
        svc.parking_space_update(actor=pm, space=space, state=SpaceState.SOLD)
    assert exc.value.field == "house"
    house = world.houses_a1[0]
    svc.parking_space_update(
        actor=pm, space=space, state=SpaceState.RENTED, house=house, rent_until=D(2025, 12, 31)
    )
    space.refresh_from_db()
    assert (space.state, space.house_id, space.rent_until) == (
        SpaceState.RENTED,
        house.pk,
        D(2025, 12, 31),
    )
    svc.parking_space_update(actor=pm, space=space, state=SpaceState.SOLD)
    space.refresh_from_db()
    assert space.rent_until is None  # a sold space has no lease term
    with pytest.raises(ApplicationError) as exc:
        svc.parking_space_update(actor=pm, space=space, state=SpaceState.FREE)
    assert exc.value.field == "house"


def test_parking_space_house_from_other_community_refused(world):
    hq = world.staff("hq_admin")
    lot = ParkingLot.objects.create(community=world.community_a1, name="地面")
    with pytest.raises(ApplicationError) as exc:
        svc.parking_space_create(
            actor=hq, lot=lot, code="1", state=SpaceState.SOLD, house=world.houses_a2[0]
        )
    assert exc.value.field == "house"


# ---------------------------------------------------------------- communities, buildings, residents


def test_company_admin_creates_community_pending_approval(world):
    hq = world.staff("hq_admin")
    c = svc.community_create(
        actor=hq, project=world.a.projects[1], district=world.districts[0], name="新苑", code="XY01"
    )
    assert c.status == ApprovalStatus.PENDING and c.company_id == world.company_a.pk


def test_community_create_refuses_other_company_project_and_duplicates(world):
    hq = world.staff("hq_admin")
    with pytest.raises(ApplicationError) as exc:
        svc.community_create(
            actor=hq, project=world.b.projects[0], district=world.districts[0], name="X", code="X"
        )
    assert exc.value.field == "project"
    with pytest.raises(ApplicationError) as exc:
        svc.community_create(
            actor=hq,
            project=world.a.projects[0],
            district=world.districts[0],
            name="新名",
            code="CY01",
        )
    assert exc.value.field == "code"


def test_building_duplicate_name_refused(world):
    with pytest.raises(ApplicationError) as exc:
        svc.building_create(actor=_pm(world), community=world.community_a1, name="1幢")
    assert exc.value.field == "name"
    assert Building.objects.filter(community=world.community_a1, name="1幢").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "甲", "phone": "12345"}, "phone"),
        ({"name": "甲", "id_card": "330106199001011234"}, "id_card"),
    ],
)
def test_resident_bad_input_names_field(world, data, field):
    with pytest.raises(ApplicationError) as exc:
        svc.resident_create(actor=_pm(world), **data)
    assert exc.value.field == field


def test_project_scope_sees_residents_of_own_communities_only(world):
    pm = _pm(world)
    svc.occupancy_move_in(
        actor=world.staff("hq_admin"),
        house=_sold_house_a2(world),
        relation=Relation.OWNER,
        start_date=D(2024, 1, 1),
        name="二期业主",
        phone="13966667777",
    )
    names = set(Resident.objects.for_user(pm).values_list("name", flat=True))
    assert "王建国" in names and "二期业主" not in names
    assert (
        not Resident.objects.for_user(world.staff("project_manager", "b"))
        .filter(name="王建国")
        .exists()
    )


def _sold_house_a2(world):
    house = world.houses_a2[0]
    House.objects.filter(pk=house.pk).update(state=HouseState.DELIVERED)
    house.refresh_from_db()
    return house


def test_unique_race_lost_to_concurrent_save_is_a_clear_error(world, monkeypatch):
    """The duplicate check passed (another clerk saved in between): the database key answers."""
    from wuyetong.estates.services import resources_common

    unit = world.owner_house.unit
    monkeypatch.setattr(resources_common, "ensure_unique", lambda *a, **k: None)
    monkeypatch.setattr("wuyetong.estates.services.resources.ensure_unique", lambda *a, **k: None)
    count = House.objects.count()
    with pytest.raises(ApplicationError) as exc:
        svc.house_create(
            actor=_pm(world),
            unit=unit,
            room_no=world.owner_house.room_no,
            building_area=Decimal("80"),
        )
    assert exc.value.code == "conflict"
    assert House.objects.count() == count


def test_move_in_and_out_can_set_house_state_on_request_only(world):
    pm = _pm(world)
    house = _sold_house(world)
    occ = svc.occupancy_move_in(
        actor=pm,
        house=house,
        relation=Relation.TENANT,
        start_date=D(2024, 1, 1),
        name="租客",
        phone="13800001111",
    )
    house.refresh_from_db()
    assert house.state == HouseState.DELIVERED  # nothing implied
    svc.occupancy_move_out(
        actor=pm,
        occupancy=occ,
        end_date=D(2024, 6, 1),
        end_reason="退租",
        house_state=HouseState.VACANT,
    )
    house.refresh_from_db()
    assert house.state == HouseState.VACANT
    occ2 = svc.occupancy_move_in(
        actor=pm,
        house=house,
        relation=Relation.OWNER,
        start_date=D(2024, 7, 1),
        name="业主",
        phone="13800002222",
        house_state=HouseState.OCCUPIED,
    )
    house.refresh_from_db()
    assert house.state == HouseState.OCCUPIED and occ2.end_date is None


def test_setting_house_state_needs_estates_change(world):
    house = _sold_house(world)
    with pytest.raises(ApplicationError) as exc:
        svc.occupancy_move_in(
            actor=world.staff("customer_service"),
            house=house,
            relation=Relation.OWNER,
            start_date=D(2024, 1, 1),
            name="甲",
            phone="13800003333",
            house_state=HouseState.OCCUPIED,
        )
    assert exc.value.field == "house_state"
    assert not Occupancy.objects.filter(house=house, resident__phone="13800003333").exists()
