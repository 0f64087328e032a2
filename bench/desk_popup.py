"""Benchmark: how long after an owner submits a repair does it reach an open duty-desk socket?

A child process with a fresh database serves the whole site with Daphne (as `make run` does)
in a thread, opens a real WebSocket to /ws/events/ as the community's clerk (session cookie,
RFC 6455 frames read off a plain socket) and measures, ROUNDS times each, median and p95:

- baseline: a plain `group_send` of a small event to the company group, scheduled on the
  server's own event loop, until the frame arrives on the socket (the layer and the socket);
- submit: the owner's POST /api/v1/servicedesk/my/cases/ (token) until the `case.created`
  frame arrives — the request, the service (number, SLA, timeline, figures), the commit and
  the push; also the request alone (until the 201), for what the push adds after it;
- from a thread: the same plain publish through `core.realtime.publish` from a thread that
  is not the server's (what the embedded scheduler's SLA scans do).

Modes: embedded (SQLite, in-memory layer) and production-like (PostgreSQL, Redis layer when
BENCH_REDIS_URL or redis://127.0.0.1:6379/15 answers). Goal (issue 3): the pop-up within 1 s.

    python -m bench.desk_popup
"""

from __future__ import annotations

import base64
import json
import os
import socket
import statistics
import struct
import sys
import threading
import time

from .child import emit, run_everywhere

ROUNDS = int(os.environ.get("BENCH_DESK_ROUNDS", "30"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
GOAL_MS = 1000.0


class Socket:
    """The smallest WebSocket client that reads the server's text frames."""

    def __init__(self, host: str, port: int, cookie: str):
        self.sock = socket.create_connection((host, port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /ws/events/ HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: http://{host}:{port}\r\n"
                f"Cookie: {cookie}\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(head.decode(errors="replace"))
        self.buffer = b""

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("socket closed")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def receive(self) -> dict:
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            if first & 0x0F == 1:
                return json.loads(payload)

    def wait_for(self, predicate) -> dict:
        while True:
            message = self.receive()
            if predicate(message):
                return message


def _world():
    from rest_framework.authtoken.models import Token

    from wuyetong.demo import builders as b
    from wuyetong.servicedesk.models import CaseType
    from wuyetong.servicedesk.services import case_type_defaults_create

    city, (district, _) = b.city_create()
    bundle = b.company_create(
        name="基准物业", short_name="基准", credit_code="91330100MA2BENCH07", city=city
    )
    clerk = b.employee_create(
        bundle=bundle, phone="13900009995", name="值班客服", template="customer_service"
    )
    community = b.community_create(
        company=bundle.company,
        project=bundle.projects[0],
        district=district,
        name="基准小区",
        code="DESK",
    )
    house = b.houses_create(community, buildings=1, units=1, floors=1, per_floor=1)[0]
    owner = b.user_create("15000009995", "基准业主")
    b.owner_bind(user=owner, house=house)
    case_type_defaults_create(company_id=bundle.company.pk)
    leaf = CaseType.objects.filter(company=bundle.company, kind="repair", parent__isnull=False)[0]
    return clerk, owner, house, leaf, bundle.company, Token.objects.create(user=owner).key


def _session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _serve():
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server, twisted_loop

    from config.asgi import application

    server = Server(
        application=application,
        endpoints=build_endpoint_description_strings(host="127.0.0.1", port=0),
        signal_handlers=False,
        verbosity=0,
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.listening_addresses:
        time.sleep(0.02)
    return server.listening_addresses[0], twisted_loop


def _ms(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "median": statistics.median(values) * 1000,
        "p95": values[max(int(len(values) * 0.95) - 1, 0)] * 1000,
        "max": values[-1] * 1000,
    }


def run_child(backend: str, layer: str) -> None:
    import asyncio
    import http.client

    import django

    django.setup()
    from channels.layers import get_channel_layer
    from django.conf import settings
    from django.core.management import call_command

    from config.settings.base import redis_channel_layer
    from wuyetong.core.realtime import publish

    if layer == "redis":
        settings.CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
    call_command("migrate", verbosity=0, interactive=False)
    clerk, _owner, house, leaf, company, token = _world()
    (host, port), loop = _serve()
    ws = Socket(host, port, _session_cookie(clerk))
    hello = ws.receive()
    assert f"company.{company.pk}" in hello["groups"], hello
    group = f"company.{company.pk}"
    channel_layer = get_channel_layer()

    def plain(n: int) -> float:
        message = {"type": "push.event", "group": group, "payload": {"type": "ping", "n": n}}
        t0 = time.perf_counter()
        asyncio.run_coroutine_threadsafe(channel_layer.group_send(group, message), loop)
        ws.wait_for(lambda m: m.get("n") == n)
        return time.perf_counter() - t0

    def from_thread(n: int) -> float:
        t0 = time.perf_counter()
        worker = threading.Thread(target=publish, args=(group, {"type": "ping", "n": n}))
        worker.start()
        ws.wait_for(lambda m: m.get("n") == n)
        elapsed = time.perf_counter() - t0
        worker.join()
        return elapsed

    body = json.dumps(
        {"kind": "repair", "case_type": leaf.pk, "description": "厨房漏水", "house": house.pk}
    )

    def submit() -> tuple[float, float]:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        t0 = time.perf_counter()
        conn.request(
            "POST",
            "/api/v1/servicedesk/my/cases/",
            body=body.encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        number = json.loads(response.read())["number"]
        responded = time.perf_counter() - t0
        assert response.status == 201
        ws.wait_for(lambda m: m.get("type") == "case.created" and m.get("number") == number)
        return responded, time.perf_counter() - t0

    for n in range(3):  # warm-up
        plain(-1 - n)
        submit()
    baseline = [plain(n) for n in range(ROUNDS)]
    submits = [submit() for _ in range(ROUNDS)]
    threaded = [from_thread(10_000 + n) for n in range(min(ROUNDS, 10))]
    emit(
        {
            "backend": backend,
            "layer": layer,
            "rounds": ROUNDS,
            "baseline": _ms(baseline),
            "request": _ms([r for r, _ in submits]),
            "submit": _ms([e for _, e in submits]),
            "from_thread": _ms(threaded),
            "load": os.getloadavg()[0],
        }
    )


def _report(f: dict) -> bool:
    mode = {"memory": "in-memory layer", "redis": "Redis layer"}[f["layer"]]
    b, r, s, t = f["baseline"], f["request"], f["submit"], f["from_thread"]
    print(f"  {f['backend']:<10} {mode}, {f['rounds']} rounds, load {f['load']:.1f}")
    print(
        f"  {'':<10} plain publish → socket        median {b['median']:7.1f} ms  p95 {b['p95']:7.1f} ms"
    )
    print(
        f"  {'':<10} submit → 201                   median {r['median']:7.1f} ms  p95 {r['p95']:7.1f} ms"
    )
    print(
        f"  {'':<10} submit → pop-up on the socket  median {s['median']:7.1f} ms  p95 {s['p95']:7.1f} ms"
        f"  = {s['median'] / b['median']:.0f}× the plain publish"
    )
    print(
        f"  {'':<10} publish from another thread   median {t['median']:7.1f} ms  max {t['max']:7.1f} ms"
    )
    met = s["p95"] < GOAL_MS
    print(f"  {'':<10} goal pop-up p95 < {GOAL_MS:.0f} ms: {'met' if met else 'NOT MET'}")
    return met


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except Exception:  # any failure: the Redis mode is skipped and said so
        return False


def main() -> int:
    print(f"desk_popup: an owner's report to the duty desk's open socket ({ROUNDS} rounds)")
    failures = run_everywhere("bench.desk_popup", _report, child_args=("memory",))
    if _redis_answers():
        failures += run_everywhere("bench.desk_popup", _report, sqlite=False, child_args=("redis",))
    else:
        print(f"  redis      skipped: no answer at {REDIS_URL}")
        failures += 1
    return failures


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        run_child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
