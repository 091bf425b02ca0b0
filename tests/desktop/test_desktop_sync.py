"""The 同步 screen, conflict review and enrollment in settings, driven with pytest-qt against a real
central server (`liangxian serve` on loopback, tests/support/live_server.py): an admin enrolls the
counter from the settings screen (and sees the bilingual refusals), the background sync runs off the
window's thread and the status bar tells the truth, a conflict made at a second counter is resolved by
a reviewer in the window, a clerk sees that items wait but no controls, and a bundle is saved and its
reply opened from the screen."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail as fail_backend

import localdb
from central.service import CentralServer
from desktop import sample_data
from sync.engine import SyncEngine
from sync.http import HttpSync
from sync.protocol import PullRequest
from tests.support.live_server import ROOT, LiveServer

pytestmark = pytest.mark.usefixtures("memory_keyring")
COUNTY = sample_data.COUNTY["lhasa"]


@pytest.fixture
def central(tmp_path: Path, secret_service: dict[str, str]) -> Iterator[tuple[CentralServer, LiveServer]]:
    db = str(tmp_path / "central.db")
    srv = CentralServer(db)
    srv.init("lhasa")
    srv.add_county(COUNTY)
    for (username, password), role in (
        (sample_data.ADMIN, "admin"),
        (sample_data.REVIEWER, "reviewer"),
        (sample_data.CLERK, "clerk"),
    ):
        srv.add_user(COUNTY, username, role, password)
    with LiveServer(db, log_path=tmp_path / "serve.log", keyring_env=secret_service) as live:
        yield srv, live
    srv.close()


def settings_enroll(qtbot: Any, window: Any, url: str, code: str, fingerprint: str) -> Any:
    window.page("settings")
    box = window.pages["settings"].enroll
    box.server.clear()
    qtbot.keyClicks(box.server, url)
    box.code.clear()
    qtbot.keyClicks(box.code, code)
    box.server_key.clear()
    qtbot.keyClicks(box.server_key, fingerprint)
    box.button.click()
    qtbot.waitUntil(
        lambda: box.message.text() and box.message.text() != window.ui.t("ui.enroll.working"), timeout=20_000
    )
    return box


def enroll_in_background(qtbot: Any, window: Any, live: LiveServer, code: str) -> None:
    """Enroll the window's counter as its admin (for windows logged in as another role)."""
    from liangxian.syncjobs import enroll_counter

    done: list[Any] = []
    window.backend.submit(
        lambda: enroll_counter(
            window.backend.store_now(), live.url, code, sample_data.ADMIN[0], server_key=live.fingerprint
        ),
        done.append,
    )
    qtbot.waitUntil(lambda: bool(done), timeout=20_000)


def synced(qtbot: Any, window: Any) -> None:
    """Wait for the background sync to finish and the status bar to show nothing waiting."""
    ctl = window.sync.controller
    qtbot.waitUntil(
        lambda: not ctl.running and window.status.online and window.status.outbox == 0, timeout=60_000
    )
    qtbot.waitUntil(lambda: not window.backend.busy, timeout=10_000)


def test_admin_enrolls_from_settings_and_the_background_sync_brings_the_counter_in_step(
    qtbot, open_window, central
) -> None:
    srv, live = central
    window = open_window("admin")
    assert window.sb_online.text() == window.ui.t("ui.status.offline")
    page = window.page("sync")  # built first: it sees the progress of the first sync
    code = srv.add_counter(COUNTY, 1)["enrollment_code"]
    box = settings_enroll(qtbot, window, live.url, code, live.fingerprint)
    assert live.url in box.message.text()
    synced(qtbot, window)
    assert window.sb_online.text() == window.ui.t("ui.status.online")
    assert window.sb_outbox.text() == window.ui.t("ui.status.unsynced", count=0)
    assert window.status.last_sync  # the time of the last successful sync, not "never"
    page = window.page("sync")
    qtbot.waitUntil(lambda: page.history.rowCount() >= 1, timeout=10_000)
    assert page.history.item(0, 1).text() == window.ui.t("ui.sync.outcome.ok")
    assert page.waiting.rowCount() == 0
    assert page.progress.maximum() > 1 and page.progress.value() == page.progress.maximum()
    assert page.last_result["ok"] and page.last_result["report"].pushed > 0
    local = window.backend.submit(lambda: window.backend.store_now().entity_counts()).result(10)
    token_session = srv.session(
        keyring.get_password("liangxian", f"sync-token:{window.backend.counter['id']}")
    )
    server = token_session.counts().counts
    assert all(local[e] == server[e] for e in ("employer", "person", "application"))
    # a save syncs at once: the change reaches the server without waiting for the timer
    person = window.backend.submit(lambda: window.backend.store_now().search_persons("扎西", 1)[0]).result(10)
    full = window.backend.submit(lambda: window.backend.store_now().get_person(person["id"])).result(10)
    window.backend.call(
        "update_person", full["id"], full["version"], {"phone": "13900000077"}, changes="persons"
    )
    qtbot.waitUntil(lambda: window.sync.controller.running or window.status.outbox == 0, timeout=10_000)

    def on_server() -> bool:
        records = token_session.pull(PullRequest(0, 5000, ("person",))).records
        return [r.data["phone"] for r in records if r.entity_id == full["id"]] == ["13900000077"]

    qtbot.waitUntil(on_server, timeout=20_000)  # well before the 30 s timer
    synced(qtbot, window)


def test_a_change_refused_for_an_unknown_user_is_sent_again_from_the_sync_screen(
    qtbot, open_window, central
) -> None:
    """dawa works at this counter but is not staff on the server: her person is refused and listed;
    once the central admin adds her, 发送 again on the sync screen sends it and it lands."""
    srv, live = central
    window = open_window("admin")
    page = window.page("sync")
    settings_enroll(qtbot, window, live.url, srv.add_counter(COUNTY, 1)["enrollment_code"], live.fingerprint)
    synced(qtbot, window)

    def dawas_person() -> str:
        store = window.backend.store_now()
        store.service(sample_data.ADMIN[0]).add_user("dawa", "clerk", None)
        person = store.get_person(store.search_persons("扎西", 1)[0]["id"])
        store.service("dawa").update_person(person["id"], person["version"], {"phone": "13900000088"})
        return str(person["id"])

    person_id = window.backend.submit(dawas_person).result(20)
    window.sync.controller.kick()
    qtbot.waitUntil(lambda: page.refused.rowCount() == 1, timeout=60_000)
    assert "dawa" in page.refused.item(0, 2).text()
    qtbot.waitUntil(lambda: page.retry_button.isEnabled(), timeout=20_000)
    srv.add_user(COUNTY, "dawa", "clerk", "pw-dawa")
    page.retry_button.click()
    qtbot.waitUntil(lambda: page.refused.rowCount() == 0, timeout=60_000)
    synced(qtbot, window)
    token_session = srv.session(
        keyring.get_password("liangxian", f"sync-token:{window.backend.counter['id']}")
    )
    records = token_session.pull(PullRequest(0, 5000, ("person",))).records
    assert [r.data["phone"] for r in records if r.entity_id == person_id] == ["13900000088"]


def test_enrollment_refusals_are_shown_in_chinese_and_tibetan(qtbot, open_window, central, tmp_path) -> None:
    srv, live = central
    window = open_window("admin")
    ui = window.ui
    from forms.errors import error

    box = settings_enroll(qtbot, window, live.url, "not-a-code", live.fingerprint)
    assert (
        box.message.text()
        == f"{error('enroll.code_unknown', '').message('zh')}\n{error('enroll.code_unknown', '').message('bo')}"
    )
    from tests.support.live_server import free_port

    box = settings_enroll(qtbot, window, f"http://127.0.0.1:{free_port()}", "whatever", live.fingerprint)
    assert error("sync.no_link", "", detail="x").message("bo").split("(")[0][:10] in box.message.text()
    code = srv.add_counter(COUNTY, 1)["enrollment_code"]
    old = keyring.get_keyring()
    keyring.set_keyring(fail_backend.Keyring())
    try:
        box = settings_enroll(qtbot, window, live.url, code, live.fingerprint)
    finally:
        keyring.set_keyring(old)
    from liangxian.keys import KeyringUnavailable

    assert KeyringUnavailable("x").message("zh")[:8] in box.message.text()
    assert ui.t("ui.enroll.done", url=live.url) != box.message.text()
    # the code was not used up by the refusals: it still enrolls
    box = settings_enroll(qtbot, window, live.url, code, live.fingerprint)
    assert box.message.text() == ui.t("ui.enroll.done", url=live.url)


def test_a_server_key_fingerprint_that_does_not_match_is_refused_in_chinese_and_tibetan(
    qtbot, open_window, central
) -> None:
    """The settings box asks for the fingerprint printed beside the code; another server's (a fake one
    at the address) is refused with a clear message in both languages, the code is not sent (it still
    enrolls with the right fingerprint), and a box left without a fingerprint does not try at all."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from forms.errors import error
    from sync.protocol import public_key_of, server_key_fingerprint

    srv, live = central
    window = open_window("admin")
    code = srv.add_counter(COUNTY, 1)["enrollment_code"]
    other = server_key_fingerprint(public_key_of(Ed25519PrivateKey.generate()))
    box = settings_enroll(qtbot, window, live.url, code, other)
    refusal = error("enroll.server_key_mismatch", "server_key", expected=other, got=live.fingerprint)
    assert box.message.text() == f"{refusal.message('zh')}\n{refusal.message('bo')}"
    assert other in box.message.text() and live.fingerprint in box.message.text()
    assert window.backend.store_now().sync_state().get("server.url") is None  # not enrolled
    box.server_key.clear()
    box.button.click()
    assert box.message.text() == window.ui.t("ui.enroll.missing")
    box = settings_enroll(qtbot, window, live.url, code, live.fingerprint.lower().replace("-", ""))
    assert box.message.text() == window.ui.t("ui.enroll.done", url=live.url)


def _second_counter(srv: CentralServer, live: LiveServer, root: Path) -> tuple[localdb.Store, Any, str]:
    """Counter 2 of the county, set up and enrolled from the command line's function."""
    from liangxian.keys import load_counter_key
    from liangxian.syncjobs import enroll_counter

    store = localdb.init_store(
        root / "counter2.db",
        region="lhasa",
        county_code=COUNTY,
        counter_no=2,
        admin_username=sample_data.ADMIN[0],
        admin_password=sample_data.ADMIN[1],
    )
    store.service(sample_data.ADMIN[0]).add_user(sample_data.CLERK[0], "clerk", sample_data.CLERK[1])
    code = srv.add_counter(COUNTY, 2)["enrollment_code"]
    enroll_counter(store, live.url, code, sample_data.ADMIN[0], server_key=live.fingerprint)
    token = keyring.get_password("liangxian", f"sync-token:{store.counter_info.id}")
    return store, load_counter_key(store.counter_info.id), token


def _sync2(store: localdb.Store, key: Any, url: str, token: str) -> Any:
    from sync.engine import SERVER_KEY

    with HttpSync(url, token, server_key=store.sync_state()[SERVER_KEY], retries=2) as t:
        return SyncEngine(store, t, username=sample_data.ADMIN[0], key=key).run()


def test_reviewer_resolves_a_conflict_made_at_another_counter(qtbot, open_window, central, tmp_path) -> None:
    srv, live = central
    window = open_window("reviewer")
    enroll_in_background(qtbot, window, live, srv.add_counter(COUNTY, 1)["enrollment_code"])
    window.sync.controller.enrolled_now()
    synced(qtbot, window)
    store2, key2, token2 = _second_counter(srv, live, tmp_path)
    _sync2(store2, key2, live.url, token2)
    person = store2.search_persons("扎西", 1)[0]
    p2 = store2.get_person(person["id"])
    store2.service(sample_data.CLERK[0]).update_person(p2["id"], p2["version"], {"phone": "13900000002"})
    _sync2(store2, key2, live.url, token2)
    # the same field corrected in the window's counter: the server finds the conflict
    p1 = window.backend.submit(lambda: window.backend.store_now().get_person(person["id"])).result(10)
    window.backend.call("update_person", p1["id"], p1["version"], {"phone": "13900000001"}, changes="persons")
    page = window.page("sync")
    panel = page.conflicts
    qtbot.waitUntil(lambda: len(panel.items) == 1, timeout=60_000)
    item = panel.items[0]
    assert (item["field"], item["local_value"], item["server_value"]) == (
        "phone",
        "13900000001",
        "13900000002",
    )
    assert panel.table.item(0, 2).text() == "13900000001" and panel.table.item(0, 4).text() == "13900000002"
    assert panel.table.item(0, 3).text() and panel.table.item(0, 5).text()  # who changed each, and when
    page.tabs.setCurrentIndex(1)
    assert panel.controls.isVisibleTo(window)
    panel.select(0)
    assert panel.take_local.isEnabled()
    panel.take_local.click()
    qtbot.waitUntil(lambda: panel.message.text() == window.ui.t("ui.conflict.resolved"), timeout=10_000)
    synced(qtbot, window)  # the decision goes at once (a save kicks the sync)
    qtbot.waitUntil(lambda: not window.sync.controller.running, timeout=30_000)
    _sync2(store2, key2, live.url, token2)
    assert store2.get_person(person["id"])["phone"] == "13900000001"
    window.sync.controller.kick()
    qtbot.waitUntil(lambda: not window.sync.controller.running, timeout=30_000)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.items == [], timeout=20_000)
    store2.close()


def test_a_clerk_sees_that_conflicts_wait_but_no_controls(qtbot, open_window) -> None:
    window = open_window("clerk")
    page = window.page("sync")
    panel = page.conflicts
    panel.items = [
        {
            "id": "c1",
            "kind": "field",
            "entity": "person",
            "entity_id": "p1",
            "field": "phone",
            "local_value": "1",
            "server_value": "2",
            "local_actor": "clerk1",
            "local_at": "2026-06-01T02:00:00Z",
            "server_actor": "clerk9",
            "server_at": "2026-06-01T03:00:00Z",
            "detail": None,
        }
    ]
    panel.retranslate()
    page.tabs.setCurrentIndex(1)
    assert panel.summary.text() == window.ui.t("ui.conflict.waiting_clerk", n=1)
    assert panel.table.isVisibleTo(window) and panel.table.rowCount() == 1
    assert not panel.controls.isVisibleTo(window)
    window.page("settings")
    assert getattr(window.pages["settings"], "enroll", None) is None  # enrollment is for admins


def test_save_a_bundle_and_open_its_reply_from_the_sync_screen(qtbot, open_window, central, tmp_path) -> None:
    srv, live = central
    window = open_window("admin")
    box = settings_enroll(
        qtbot, window, live.url, srv.add_counter(COUNTY, 1)["enrollment_code"], live.fingerprint
    )
    assert live.url in box.message.text()
    synced(qtbot, window)
    live.stop()  # then no link at all, for weeks
    person = window.backend.submit(lambda: window.backend.store_now().search_persons("扎西", 1)[0]).result(10)
    full = window.backend.submit(lambda: window.backend.store_now().get_person(person["id"])).result(10)
    window.backend.call(
        "update_person", full["id"], full["version"], {"phone": "13900000088"}, changes="persons"
    )
    qtbot.waitUntil(lambda: not window.status.online, timeout=30_000)  # the sync it kicked found no link
    qtbot.waitUntil(lambda: not window.sync.controller.running and window.status.outbox == 1, timeout=30_000)
    assert window.sb_online.text() == window.ui.t("ui.status.offline")
    window.sync.controller.timer.stop()
    page = window.page("sync")
    stick = tmp_path / "stick"
    stick.mkdir()
    assert page.export_to(stick)
    qtbot.waitUntil(
        lambda: page.last_result is not None and page.last_result["kind"] == "export", timeout=20_000
    )
    assert page.last_result["ok"], page.last_result
    [bundle] = list(stick.glob("*.lxb"))
    assert str(bundle) in page.bundle_message.text()
    reply = stick / "reply.lxb"
    # at the server: `central import-bundle`, with the server key of the server's keyring
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "liangxian",
            "central",
            "import-bundle",
            "--db",
            srv.url,
            str(bundle),
            "--out",
            str(reply),
        ],
        env=live.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    summary = json.loads(done.stdout)
    assert page.import_from(reply)
    qtbot.waitUntil(lambda: page.last_result["kind"] == "import", timeout=20_000)
    assert page.last_result["ok"], page.last_result
    assert page.last_result["report"].pushed == summary["applied"]
    qtbot.waitUntil(lambda: window.status.outbox == 0, timeout=10_000)
    # the same reply again is refused, in the UI's language
    assert page.import_from(reply)
    qtbot.waitUntil(lambda: page.last_result is not None and not page.last_result["ok"], timeout=20_000)
    assert page.bundle_message.text() == page.last_result["error"].message("zh")


def test_answers_arriving_after_the_window_closed_start_nothing(qtbot, store_copy) -> None:
    """A sync or a search finishing while the window closes asks for more work; the closed backend
    drops it instead of failing in the Qt event loop."""
    from desktop.backend import Backend, store_module

    backend = Backend(store_copy("lhasa"), store_module())
    opened: list[Any] = []
    backend.open(opened.append, opened.append)
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    backend.close()
    called: list[Any] = []
    future = backend.submit(lambda: called.append("ran"), called.append, called.append)
    assert future.cancelled() and called == [] and not backend.busy
