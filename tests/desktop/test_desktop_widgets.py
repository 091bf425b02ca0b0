"""Smaller behaviours of the desktop: first run, idle lock, keyboard habits, the Wylie field, the
lazily fetched lookup model, printing, the smoke start and the no-display message."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import sample_data

pytestmark = pytest.mark.gui


def test_first_run_creates_the_counter_then_asks_for_login(qtbot, tmp_path: Path, memory_keyring) -> None:
    from desktop.backend import Backend, store_module
    from desktop.lang import UiLanguage
    from desktop.main_window import MainWindow

    backend = Backend(tmp_path / "new" / "counter.db", store_module())
    window = MainWindow(UiLanguage("zh"), backend)
    qtbot.addWidget(window)
    window.show()
    window.start()
    wizard = window.dialog
    assert wizard.objectName() == "first_run"
    wizard.region.setCurrentIndex(wizard.region.findData("lhasa"))
    assert wizard.county.findData("540127") >= 0  # 墨竹工卡县 offered for Lhasa
    wizard.county.setCurrentIndex(wizard.county.findData("540127"))
    wizard.counter.setText("3")
    qtbot.keyClicks(wizard.password, "admin-pass-9")
    qtbot.keyClicks(wizard.repeat, "admin-pass-8")
    wizard.submit()
    assert wizard.error.text() == window.ui.t("ui.first_run.password_mismatch")
    wizard.repeat.clear()
    qtbot.keyClicks(wizard.repeat, "admin-pass-9")
    wizard.submit()
    qtbot.waitUntil(lambda: window.dialog is not wizard and window.dialog is not None, timeout=15_000)
    assert window.dialog.objectName() == "login"
    assert backend.region == "lhasa" and backend.counter["county_code"] == "540127"
    assert backend.counter["public_key_b64"] is None or backend.counter["public_key_b64"]
    qtbot.keyClicks(window.dialog.username, "admin")
    qtbot.keyClicks(window.dialog.password, "wrong-password")
    window.dialog.submit()
    qtbot.waitUntil(lambda: window.dialog.error.text() != "", timeout=10_000)
    assert backend.role is None
    window.dialog.password.clear()
    qtbot.keyClicks(window.dialog.password, "admin-pass-9")
    window.dialog.submit()
    qtbot.waitUntil(lambda: backend.role == "admin", timeout=10_000)
    assert "墨竹工卡县" in window.counter_label.text()
    window.close()
    backend.close()


def test_idle_session_locks_and_a_login_unlocks(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    window.idle_watcher = __import__("desktop.login", fromlist=["IdleWatcher"]).IdleWatcher(0, window)
    window.idle_watcher.idle.connect(window.lock)
    window.idle_watcher.armed = True
    window.idle_watcher.last_input -= 1
    window.idle_watcher.check()
    assert window.backend.role is None
    assert window.stack.currentWidget() is window.lock_page
    assert window.nav.count() == 0  # nothing is offered while locked
    dialog = window.dialog
    assert dialog.username.text() == sample_data.CLERK[0]
    qtbot.keyClicks(dialog.password, sample_data.CLERK[1])
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.backend.role == "clerk", timeout=10_000)
    assert window.nav.count() > 0


def test_roles_see_only_what_they_may_do(qtbot, open_window) -> None:
    clerk = open_window("clerk", "lhasa")
    assert clerk.page("settings").users is None  # only an admin manages staff
    admin = open_window("admin", "lhasa")
    assert admin.page("settings").users is not None
    reviewer = open_window("reviewer", "lhasa")
    assert reviewer.page("review").approve_button.isVisibleTo(reviewer)


def test_enter_moves_to_the_next_field_in_declared_order(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    page = window.page("persons")
    page.tabs.setCurrentWidget(page.person)
    form = page.person.form
    form.editor("id_number").setFocus()
    qtbot.waitUntil(form.editor("id_number").hasFocus)
    qtbot.keyClick(form.editor("id_number"), Qt.Key.Key_Return)
    assert form.editor("name_zh").hasFocus()
    qtbot.keyClick(form.editor("name_zh"), Qt.Key.Key_Tab)
    assert form.editor("sex").hasFocus()  # Lianyungang: no Tibetan name fields


def test_wylie_field_shows_tibetan_live(qtbot, open_window) -> None:
    window = open_window("clerk", "lhasa")
    page = window.page("persons")
    page.tabs.setCurrentWidget(page.person)
    form = page.person.form
    qtbot.keyClicks(form.editor("name_bo_wylie"), "bkra shis")
    assert form.editors["name_bo_wylie"].hint.text() == "བཀྲ་ཤིས"
    assert form.editors["name_bo"].raw() == "བཀྲ་ཤིས"
    qtbot.keyClicks(form.editor("name_bo_wylie"), " bde legs")
    assert form.editors["name_bo"].raw() == "བཀྲ་ཤིས་བདེ་ལེགས"


def test_lookup_model_fetches_more_rows_only_when_asked(qtbot, tmp_path: Path) -> None:
    import localdb
    from desktop.backend import Backend, store_module
    from desktop.lang import UiLanguage
    from desktop.search import PAGE, PersonSearchModel

    path = tmp_path / "many.db"
    store = localdb.init_store(
        path,
        region="lianyungang",
        county_code="320706",
        counter_no=1,
        admin_username="admin",
        admin_password="admin-pass-1",
    )
    employer = store.service("admin").register_employer(sample_data.employer_data("lianyungang"))
    rows = []
    for i in range(PAGE + 30):
        data = sample_data.person_data("lianyungang", 3, employer["uscc"])  # 王丽, many of her
        data["id_number"] = sample_data.resident_id("320706", dt.date(1990, 1, 1) + dt.timedelta(days=i), i)
        rows.append(data)
    store.service("admin").bulk_register_persons(rows)
    store.close()
    backend = Backend(path, store_module())
    backend.open(lambda _i: None, lambda e: None)
    backend.login("admin", "admin-pass-1", lambda _r: None, lambda e: None)
    qtbot.waitUntil(lambda: backend.role == "admin", timeout=10_000)
    model = PersonSearchModel(backend, UiLanguage("zh"))
    model.search("王丽")
    qtbot.waitUntil(lambda: len(model.rows) == PAGE, timeout=10_000)
    assert model.canFetchMore()
    model.fetchMore()
    qtbot.waitUntil(lambda: len(model.rows) == PAGE + 30, timeout=10_000)
    qtbot.waitUntil(lambda: not backend.busy, timeout=10_000)
    assert not model.canFetchMore()
    model.search("")
    assert model.rowCount() == 0
    backend.close()


def test_receipt_and_slip_open_in_the_print_preview(qtbot, open_window, memory_keyring, tmp_path) -> None:
    from desktop import printing_bridge

    if not printing_bridge.printing_available():
        pytest.fail("printing/ is not installed (scripts/setup.sh installs it)")
    from desktop.sample_data import record_signing_key

    window = open_window("clerk", "lianyungang")
    record_signing_key(window.backend)
    apps = window.backend.submit(lambda: window.backend.service_now().list_applications()).result(10)
    preview = printing_bridge.print_document("receipt", apps[0], window.backend, window.ui, window)
    qtbot.waitUntil(lambda: preview.page_count > 0 and not preview.busy, timeout=20_000)
    assert preview.printed.number == apps[0]["receipt_no"]
    assert preview.save_to(tmp_path / "receipt.pdf")
    qtbot.waitUntil(lambda: (tmp_path / "receipt.pdf").exists() and not preview.busy, timeout=20_000)
    assert preview.printed.reprint == 0  # a PDF copy is not a print: the original is still to come
    assert (tmp_path / "receipt.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "receipt.pdf").stat().st_mode & 0o777 == 0o600  # personal data: owner only
    assert not list(tmp_path.glob(".*.partial"))
    stored = window.backend.submit(
        lambda: window.backend.service_now().get_application(apps[0]["id"])
    ).result(10)
    assert [p["kind"] for p in stored["prints"]] == ["receipt.pdf_copy"]
    preview.close()

    approved = next(a for a in apps if a["status"] == "approved")
    full = window.backend.submit(lambda: window.backend.service_now().get_application(approved["id"])).result(
        10
    )
    assert printing_bridge.slip_kind(full) == "approval"
    slip = printing_bridge.print_document("approval", full, window.backend, window.ui, window)
    qtbot.waitUntil(lambda: slip.page_count > 0 and not slip.busy, timeout=20_000)
    assert slip.printed.number.endswith("-A") and slip.printed.pdf.startswith(b"%PDF")
    slip.close()


def test_placeholder_print_says_so(qtbot, open_window, monkeypatch) -> None:
    from desktop import printing_bridge

    shown: list[str] = []
    monkeypatch.setattr(printing_bridge, "printing_available", lambda: False)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))
    window = open_window("clerk", "lhasa", "bo")
    printing_bridge.print_document("receipt", {"id": "x"}, window.backend, window.ui, window)
    assert shown and window.ui.t("ui.print.kind.receipt") in shown[0]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


def test_smoke_start_exits_after_the_window_is_shown(seeded_template, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "c.db"
    shutil.copy(seeded_template["lhasa"], db)
    cmd = [sys.executable, "-m", "liangxian", "gui", "--db", str(db), "--exit-after-shown"]
    done = subprocess.run(cmd, env=_env(QT_QPA_PLATFORM="offscreen"), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()


def test_no_display_is_said_clearly(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "liangxian", "gui", "--db", str(tmp_path / "c.db")]
    done = subprocess.run(cmd, env=_env(), capture_output=True, timeout=60, text=True)
    assert done.returncode == 3
    assert "DISPLAY" in done.stderr and "没有可用的图形显示" in done.stderr
    assert not (tmp_path / "c.db").exists()


def test_app_font_and_heights_leave_room_for_tibetan_stacks(qtbot) -> None:
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QComboBox, QLineEdit

    from desktop import fonts

    app = QApplication.instance()
    fonts.apply(app, tibetan_first=True)
    loaded = fonts.load()
    assert loaded.tibetan == "Noto Serif Tibetan"
    assert loaded.chinese
    stacks = "བསྒྲུབས་སྐྱོང་ཧཱུྃ"
    edit = QLineEdit(stacks)
    combo = QComboBox()
    combo.addItem(stacks)
    for widget in (edit, combo):
        qtbot.addWidget(widget)
        widget.show()
    ink = QFontMetrics(edit.font()).tightBoundingRect(stacks).height()
    assert edit.height() >= ink + 4
    assert combo.height() >= ink + 4
    assert fonts.row_height() >= ink + 4  # table rows (lookup, review queue)


def test_ctrl_f_jumps_to_the_lookup(qtbot, open_window) -> None:
    window = open_window("clerk", "lianyungang")
    window.page("applications")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = window.page("persons").search
    qtbot.waitUntil(search.box.hasFocus, timeout=5_000)


def test_dismissing_first_run_or_login_closes_the_window(qtbot, tmp_path: Path, store_copy) -> None:
    from desktop.backend import Backend
    from desktop.lang import UiLanguage
    from desktop.main_window import MainWindow

    for db, expected in ((tmp_path / "none" / "c.db", "first_run"), (store_copy("lhasa"), "login")):
        backend = Backend(db)
        window = MainWindow(UiLanguage("zh"), backend)
        qtbot.addWidget(window)
        window.show()
        window.start()
        qtbot.waitUntil(lambda w=window: w.dialog is not None and w.dialog.isVisible(), timeout=10_000)
        assert window.dialog.objectName() == expected
        qtbot.keyClick(window.dialog, Qt.Key.Key_Escape)
        if expected == "login":
            assert window.dialog.isVisible()  # Escape does not dismiss the login …
            window.dialog.close()  # … closing it does, and takes the window along
        qtbot.waitUntil(lambda w=window: not w.isVisible(), timeout=5_000)
        assert backend.role is None
        backend.close()
    assert not (tmp_path / "none" / "c.db").exists()
