"""Loads the demo data once; running it again changes nothing."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from wuyetong.demo import builders as b
from wuyetong.estates.models import House, Occupancy, Resident
from wuyetong.orgs.models import City

DEMO_ACCOUNTS = [
    ("平台管理员", "13800000000"),
    ("房管局（西湖区）", "13800000001"),
    ("房管局（滨江区）", "13800000002"),
    ("安居物业 总部管理员", "13900000001"),
    ("安居物业 项目经理", "13900000002"),
    ("安居物业 客服", "13900000003"),
    ("安居物业 收费员", "13900000004"),
    ("安居物业 收费员（西溪）", "13900000021"),
    ("安居物业 维修工", "13900000005"),
    ("安居物业 保安", "13900000006"),
    ("安居物业 保洁", "13900000007"),
    ("安居物业 财务", "13900000008"),
    ("至善物业 总部管理员", "13700000001"),
    ("商户", "13600000001"),
    ("业主", "13500000001"),
    ("至善物业 业主", "13500000021"),
    ("业主家属", "13500000002"),
    ("租户", "13500000003"),
]

STAFF_TEMPLATES = [
    "hq_admin",
    "project_manager",
    "customer_service",
    "cashier",
    "repair_worker",
    "security_guard",
    "cleaner",
    "finance",
]


class Command(BaseCommand):
    help = "Load the demo data (one city, two bureaus, two companies, four communities) once."

    def handle(self, *args, **options):
        if City.objects.filter(code="330100").exists():
            self.stdout.write("演示数据已存在，未做改动。")
        else:
            started = time.monotonic()
            self.build()
            self.stdout.write(
                f"演示数据已载入（{House.objects.count()} 套房屋，用时 {time.monotonic() - started:.1f} 秒）。"
            )
        self.stdout.write(f"\n演示账号（密码均为 {b.DEMO_PASSWORD}）：")
        for label, phone in DEMO_ACCOUNTS:
            self.stdout.write(f"  {label:<14} {phone}")

    @transaction.atomic
    def build(self):
        admin = b.user_create("13800000000", "平台管理员", is_staff=True, is_superuser=True)
        city, (xihu, binjiang) = b.city_create()
        b.bureau_create(
            name="杭州市西湖区住房和城乡建设局",
            city=city,
            district=xihu,
            official_phone="13800000001",
            official_name="西湖区房管科",
        )
        b.bureau_create(
            name="杭州市滨江区住房和城乡建设局",
            city=city,
            district=binjiang,
            official_phone="13800000002",
            official_name="滨江区房管科",
        )

        a = b.company_create(
            name="杭州安居物业服务有限公司",
            short_name="安居物业",
            credit_code="91330100MA2A000001",
            city=city,
            actor=admin,
            project_names=("翠苑项目", "西溪项目"),
        )
        z = b.company_create(
            name="杭州至善物业管理有限公司",
            short_name="至善物业",
            credit_code="91330100MA2B000002",
            city=city,
            actor=admin,
            region_name="滨江区域",
            project_names=("江南项目", "星光项目"),
        )
        for i, template in enumerate(STAFF_TEMPLATES, start=1):
            b.employee_create(
                bundle=a,
                phone=f"139000000{i:02d}",
                name=f"安居{b.ROLE_TEMPLATES[template]['name']}",
                template=template,
                actor=admin,
            )
            b.employee_create(
                bundle=z,
                phone=f"137000000{i:02d}",
                name=f"至善{b.ROLE_TEMPLATES[template]['name']}",
                template=template,
                actor=admin,
            )

        # 西溪花园's own cashier (the cashier persona works in 翠苑项目; it stays a.staff's).
        cashier = a.staff["cashier"]
        xixi_cashier = b.employee_create(
            bundle=a,
            phone="13900000021",
            name="安居收费员（西溪）",
            template="cashier",
            org_unit=a.projects[1],
            actor=admin,
        )
        a.staff["cashier"] = cashier

        specs = [
            (a, a.projects[0], xihu, "翠苑一区", "CY01", 11),
            (a, a.projects[1], xihu, "西溪花园", "XX01", 12),
            (z, z.projects[0], binjiang, "江南名府", "JN01", 13),
            # In 西湖区 too, so that district's bureau compares two companies.
            (z, z.projects[1], xihu, "星光公寓", "XG01", 14),
        ]
        communities = []
        for bundle, project, district, name, code, seed in specs:
            c = b.community_create(
                company=bundle.company, project=project, district=district, name=name, code=code
            )
            houses = b.houses_create(c, buildings=10, units=2, floors=13, per_floor=2, seed=seed)
            b.residents_populate(bundle.company, houses, seed=seed, phone_prefix="186")
            b.amenities_create(c, houses, seed=seed)
            communities.append(c)
        # A pending community and company for the platform admin's approval queue.
        pending = b.company_create(
            name="杭州新绿物业有限公司",
            short_name="新绿物业",
            credit_code="91330100MA2C000003",
            city=city,
            actor=admin,
            approved=False,
            project_names=("新绿项目",),
        )
        b.community_create(
            company=pending.company,
            project=pending.projects[0],
            district=xihu,
            name="新绿家园",
            code="XL01",
            approved=False,
        )
        b.community_create(
            company=a.company,
            project=a.projects[1],
            district=xihu,
            name="西溪花园二期",
            code="XX02",
            approved=False,
        )

        b.merchant_create(name="邻家鲜果超市", phone="13600000001", communities=communities[:2])
        b.merchant_create(
            name="快洁家政", phone="13600000002", communities=communities[2:], approved=False
        )

        # Registered owner, family member and tenant with app logins: each takes over the
        # generated resident record of an occupied (or rented) house, so houses stay coherent.
        owner = b.user_create("13500000001", "王建国", id_card=b.make_id_card(1, region="330106"))
        first = self.take_over(owner, communities[0], "owner", "occupied")
        self.take_over(owner, communities[1], "owner", "occupied")
        family = b.user_create("13500000002", "李秀英")
        family_link = Occupancy.objects.filter(house=first, relation="family").first()
        if family_link:
            self.link(family, family_link.resident)
        else:
            b.owner_bind(user=family, house=first, relation="family")
        tenant = b.user_create("13500000003", "陈浩然")
        self.take_over(tenant, communities[0], "tenant", "rented")
        self.binding_requests(communities[0], reviewer=b.User.objects.get(phone="13900000003"))

        # Repairs and complaints in every state for 安居物业; 至善物业 gets the default type tree.
        from wuyetong.servicedesk import demo as servicedesk_demo
        from wuyetong.servicedesk.services import case_type_defaults_create

        servicedesk_demo.populate(
            bundle=a, reporter=owner, bureau_official=b.User.objects.get(phone="13800000001")
        )
        case_type_defaults_create(company_id=z.company.pk)
        # Six months of past cases in every community, for the bureau's and companies' figures.
        zhishan_owner = b.user_create("13500000021", "周明")
        self.take_over(zhishan_owner, communities[2], "owner", "occupied")
        self.take_over(zhishan_owner, communities[3], "owner", "occupied")
        servicedesk_demo.history(
            bundles=[(a, 1.0), (z, 1.35)],
            reporters={
                c.pk: owner if c.company_id == a.company.pk else zhishan_owner for c in communities
            },
            officials={
                xihu.pk: b.User.objects.get(phone="13800000001"),
                binjiang.pk: b.User.objects.get(phone="13800000002"),
            },
        )

        # Notices in every state with read receipts, the bureau's messages, the feed.
        from wuyetong.notices import demo as notices_demo

        notices_demo.populate(
            bundle=a,
            community=communities[0],
            owner=owner,
            family=family,
            bureau_official=b.User.objects.get(phone="13800000001"),
        )

        # A year of bills, water readings and desk payments in 安居's two communities; the app
        # users' houses paid until three months ago.
        from wuyetong.billing import demo_year

        demo_year.populate(
            admin=a.staff["hq_admin"],
            cashiers={communities[0].pk: a.staff["cashier"], communities[1].pk: xixi_cashier},
            communities=communities[:2],
            personas=set(
                House.objects.filter(
                    occupancies__resident__user__isnull=False, occupancies__end_date__isnull=True
                ).values_list("pk", flat=True)
            ),
        )

        # Collecting: late-fee and discount rules, today's desk payments, an online payment,
        # a refund awaiting approval, an invoice request (after the bills exist).
        from wuyetong.billing import demo_collect

        demo_collect.populate(
            admin=a.staff["hq_admin"],
            cashier=a.staff["cashier"],
            owner=owner,
            communities=communities[:2],
        )

        # Community life: 业委会, 一键救助, votes, a survey, activities, neighbour help.
        from wuyetong.community import demo as community_demo

        community_demo.populate(bundle=a, communities=communities[:2], owner=owner)
        for other in communities[2:]:
            community_demo.populate_other(bundle=z, community=other)

    @staticmethod
    def binding_requests(community, reviewer):
        """Registered owners waiting for review, and one rejected, for the review queue."""
        from wuyetong.estates.services.bindings import binding_reject, binding_request_create

        free = House.objects.filter(community=community, state="delivered").order_by(
            "building__sort", "room_no"
        )
        applicants = [
            ("13500000011", "刘芳", 11),
            ("13500000012", "周杰", 12),
            ("13500000013", "孙丽", 13),
        ]
        for (phone, name, seed), house in zip(applicants, free, strict=False):
            user = b.user_create(phone, name, id_card=b.make_id_card(seed))
            request = binding_request_create(
                user=user, house_id=house.pk, applicant_name=name, applicant_id_card=user.id_card
            )
            if phone == "13500000013":
                binding_reject(
                    actor=reviewer,
                    binding=request,
                    reason="房产证姓名与申请人不一致，请携带房产证到物业服务中心核实",
                )

    @staticmethod
    def link(user, resident):
        resident.user, resident.phone, resident.name = user, user.phone, user.name
        resident.id_card = user.id_card or resident.id_card
        resident.save(update_fields=["user", "phone", "name", "id_card"])
        # Bound through the property company: the same as an approved binding request.
        user.real_name_verified = True
        user.save(update_fields=["real_name_verified"])

    def take_over(self, user, community, relation, state):
        occupancy = (
            Occupancy.objects.filter(
                house__community=community,
                house__state=state,
                relation=relation,
                end_date__isnull=True,
                resident__user__isnull=True,
            )
            .select_related("resident", "house")
            .order_by("house__building__sort", "house__room_no")
            .first()
        )
        mine = Resident.objects.filter(company_id=community.company_id, user=user).first()
        if mine is None:
            self.link(user, occupancy.resident)
        else:  # the person already has this company's record: move the binding onto it
            generated = occupancy.resident
            occupancy.resident = mine
            occupancy.save(update_fields=["resident"])
            generated.delete()
        return occupancy.house
