"""Recompute the monthly service-desk figures from the cases (after restoring a backup, or
after cases were loaded in bulk). The services keep the figures exact on their own."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from wuyetong.servicedesk import rollup


class Command(BaseCommand):
    help = "重新计算工单月度统计（CaseMonthStat），与工单逐条核对一致。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--community", type=int, action="append", help="只重算这些小区（可重复）"
        )

    def handle(self, *args, community=None, **options):
        started = time.monotonic()
        rows = rollup.rebuild(community_ids=community)
        self.stdout.write(f"已重算 {rows} 行月度统计，用时 {time.monotonic() - started:.1f} 秒。")
