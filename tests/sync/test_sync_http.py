"""Sync over the real link: `liangxian serve` (uvicorn) in a subprocess on loopback, the counters'
HTTP client, and a fault proxy of our own between them that drops, delays, truncates and resets
connections; counters SIGKILLed mid-push and mid-pull; the server killed and restarted mid-sync. Each
ends converged: no lost change, no duplicate, and a second sync moves nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization

from central.service import CentralServer
from sync.engine import SERVER_KEY, SyncEngine, SyncReport
from sync.http import HttpSync
from sync.protocol import SyncUnavailable
from tests.support.faultproxy import Schedule, fault_proxy
from tests.support.live_server import ROOT, LiveServer
from tests.support.store_data import application_data, employer_data, id_number, person_data
from tests.sync.conftest import Counter, enrolled
from tests.sync.test_engine import view

pytestmark = pytest.mark.heavy


@pytest.fixture
def live(server: CentralServer, tmp_path, secret_service, counters) -> Iterator[LiveServer]:
    srv = LiveServer(server.url, log_path=tmp_path / "serve.log", keyring_env=secret_service)
    srv.start()
    for c in counters.values():  # enrolled with this server: its key (in its keyring) is the one to trust
        enrolled(c.store, server, srv.server_key_b64)
    yield srv
    srv.stop()


def http_sync(c: Counter, url: str, **kw) -> SyncReport:
    retries = kw.pop("retries", 4)
    key = c.store.sync_state()[SERVER_KEY]
    with HttpSync(url, c.token, server_key=key, timeout=10, retries=retries, backoff=0.05) as transport:
        return SyncEngine(c.store, transport, username="boss", key=c.key, **kw).run()


def sync_until_done(c: Counter, url: str, attempts: int = 40, **kw) -> SyncReport:
    """What the desktop's background sync does: try again until a whole sync goes through."""
    for _ in range(attempts):
        try:
            return http_sync(c, url, **kw)
        except SyncUnavailable:
            continue
    raise AssertionError(f"no sync went through in {attempts} attempts")


def seed_persons(c: Counter, n: int, start: int) -> None:
    rows = [
        person_data(
            id_number=id_number(
                birth=f"19{80 + k // 400:02d}0{1 + (k // 100) % 4}1{k % 10}", seq=2 * (k % 400) + 100 + 0
            ),
            name_zh="央金",
        )
        for k in range(start, start + n)
    ]
    c.svc("boss").bulk_register_persons(rows)


def assert_converged(*cs: Counter, url: str) -> None:
    for c in cs:
        again = http_sync(c, url)
        assert (again.pushed, again.pulled, again.rejected) == (0, 0, 0), c.name
        assert again.in_step and c.store.pending_outbox_count() == 0
    first = view(cs[0].store)
    for c in cs[1:]:
        assert view(c.store) == first
    ids = [p[1] for p in first["persons"]]
    assert len(ids) == len(set(ids))  # no person doubled


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_two_counters_converge_through_a_link_that_drops_truncates_and_resets(counters, live) -> None:
    a, b = counters["a"], counters["b"]
    a.svc("boss").register_employer(employer_data())
    http_sync(a, live.url)
    http_sync(b, live.url)  # b has the employer now
    seed_persons(a, 60, 0)
    seed_persons(b, 40, 60)
    for k in range(5):
        p = a.svc().register_person(person_data(id_number=id_number(seq=700 + 2 * k)))
        app = a.svc().create_application(application_data(id_number=p["id_number"]))
        a.svc("rev1").start_review(app["id"])
    schedule = Schedule(
        seed=7, weights={"pass": 0.8, "delay": 0.05, "drop": 0.05, "truncate": 0.05, "reset": 0.05}
    )
    with fault_proxy(live.port, schedule) as proxy:
        for c in (a, b, a, b):
            sync_until_done(c, proxy.url, batch=25, page=30)
    assert {"drop", "truncate", "reset"} <= set(schedule.drawn)
    assert_converged(a, b, url=live.url)
    assert len(view(a.store)["persons"]) == 105


def _key_hex(c: Counter) -> str:
    return c.key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    ).hex()


def _child(c: Counter, url: str, batch: int, page: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.sync_child",
            str(c.store.path),
            url,
            c.token,
            "boss",
            str(batch),
            str(page),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LIANGXIAN_TEST_KEY_HEX": _key_hex(c)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_counters_killed_mid_push_and_mid_pull_lose_and_double_nothing(counters, live) -> None:
    a, b = counters["a"], counters["b"]
    a.svc("boss").register_employer(employer_data())
    seed_persons(a, 150, 0)
    rng = random.Random(3)
    kills = 0
    # a slow link, so that a kill lands inside a push or a pull
    with fault_proxy(live.port, Schedule(latency_s=0.02)) as proxy:
        for counter in (a, b):  # a is killed while pushing, b (fresh) while pulling
            for _ in range(5):
                child = _child(counter, proxy.url, batch=10, page=10)
                time.sleep(rng.uniform(0.3, 1.2))
                if child.poll() is None:
                    child.send_signal(signal.SIGKILL)
                    kills += 1
                child.wait(20)
            sync_until_done(counter, live.url)
    assert kills >= 6
    sync_until_done(a, live.url)
    assert_converged(a, b, url=live.url)
    assert len(view(b.store)["persons"]) == 150


@pytest.mark.parametrize("server", ["sqlite", "postgresql"], indirect=True)
def test_the_server_restarted_mid_sync_resumes(counters, live) -> None:
    a, b = counters["a"], counters["b"]
    a.svc("boss").register_employer(employer_data())
    seed_persons(a, 120, 0)
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(http_sync(a, live.url, batch=5, retries=30))
        except SyncUnavailable as exc:
            outcome.append(exc)

    with fault_proxy(live.port, Schedule(latency_s=0.01)):
        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.5)
        live.kill()
        time.sleep(0.5)
        live.start()
        worker.join(120)
    assert outcome, "the sync never returned"
    sync_until_done(a, live.url)
    sync_until_done(b, live.url)
    assert_converged(a, b, url=live.url)
    assert len(view(b.store)["persons"]) == 120
