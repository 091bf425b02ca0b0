"""The exact CLI contract of `show`, `update` and `review` (checks outside the repo rely on it):
`show` prints the record with `version` and `history` [{at, actor, action, changed, values, reason}], exit 2 when not
found; `update` takes only the changed fields from the version named, exit 2 with a JSON error list for
invalid input, a stale version or a role that may not; `review` does every step the desktop can."""

from __future__ import annotations

import json
from pathlib import Path

from liangxian.cli import main
from tests.support.credentials import as_user
from tests.support.store_data import application_data, person_data


def run(capsys, *argv: str) -> tuple[int, object]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_show_prints_the_record_with_its_version_and_history(store, clerk, capsys, tmp_path) -> None:
    p = clerk.register_person(person_data())
    code, out = run(capsys, "show", "person", "--db", str(store.path), "--id", p["id"])
    assert code == 0
    assert out["id"] == p["id"] and out["version"] == 1
    assert [{k: h[k] for k in ("actor", "action", "changed")} for h in out["history"]] == [
        {"actor": "clerk1", "action": "person.register", "changed": []}
    ]
    assert set(out["history"][0]) >= {"at", "actor", "action", "changed"}


def test_show_finds_an_application_by_receipt_number_and_exits_2_when_not_found(store, clerk, capsys) -> None:
    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    code, out = run(capsys, "show", "application", "--db", str(store.path), "--id", app["receipt_no"])
    assert code == 0 and out["id"] == app["id"] and out["version"] == 1
    code, out = run(capsys, "show", "employer", "--db", str(store.path), "--id", "no-such-id")
    assert code == 2 and out["errors"][0]["code"] == "record.not_found"
    assert out["errors"][0]["message_zh"] and out["errors"][0]["message_bo"]


def test_update_corrects_from_the_named_version_and_refuses_a_stale_one(
    store, clerk, capsys, tmp_path
) -> None:
    p = clerk.register_person(person_data())
    change = write(tmp_path, "phone.json", {"phone": "13900139000"})
    argv = ("update", "person", "--db", str(store.path), *as_user(tmp_path, "clerk1"), "--id", p["id"])
    code, out = run(capsys, *argv, "--base-version", "1", change)
    assert code == 0 and out["phone"] == "13900139000" and out["version"] == 2
    code, out = run(capsys, *argv, "--base-version", "1", change)
    assert code == 2 and [e["code"] for e in out["errors"]] == ["record.stale"]
    assert out["errors"][0]["field"] == "base_version"
    code, out = run(capsys, "show", "person", "--db", str(store.path), "--id", p["id"])
    assert [h["changed"] for h in out["history"]] == [[], ["phone"]]
    # issue 20: with the old and new values and the reason (None: the correction gave none)
    assert out["history"][1]["values"] == {"phone": {"old": p["phone"], "new": "13900139000"}}
    assert out["history"][1]["reason"] is None


def test_update_refuses_unknown_keys_and_a_role_that_may_not(store, clerk, capsys, tmp_path) -> None:
    p = clerk.register_person(person_data())
    argv = (
        "update",
        "person",
        "--db",
        str(store.path),
        *as_user(tmp_path, "clerk1"),
        "--id",
        p["id"],
        "--base-version",
        "1",
    )
    code, out = run(capsys, *argv, write(tmp_path, "typo.json", {"dystocai": True}))
    assert (
        code == 2
        and out["errors"][0]["code"] == "form.unknown_field"
        and out["errors"][0]["field"] == "dystocai"
    )
    new_id = write(tmp_path, "id.json", {"id_number": "540102199104200022", "reason": "录入错误"})
    code, out = run(capsys, *argv, new_id)
    assert code == 2 and out["errors"][0]["code"] == "auth.forbidden"


def test_update_of_an_application_decides_it_again(store, clerk, capsys, tmp_path) -> None:
    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    code, out = run(
        capsys,
        *("update", "application", "--db", str(store.path), *as_user(tmp_path, "clerk1"), "--id", app["id"]),
        *("--base-version", "1", write(tmp_path, "d.json", {"dystocia": True})),
    )
    assert code == 0 and out["decision"]["allowance_days"] == 113 and out["version"] == 2


def test_review_does_every_step(store, clerk, capsys, tmp_path) -> None:
    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    db = str(store.path)

    def step(name: str, user: str, *extra: str) -> tuple[int, dict]:
        return run(
            capsys, "review", name, "--db", db, *as_user(tmp_path, user), "--id", app["receipt_no"], *extra
        )

    code, out = step("approve", "rev1")
    assert code == 2 and out["errors"][0]["code"] == "application.bad_transition"
    assert step("start", "rev1")[1]["status"] == "under_review"
    code, out = step("approve", "clerk1")
    assert code == 2 and out["errors"][0]["code"] == "auth.forbidden"
    code, out = step("reject", "rev1")
    assert code == 2 and out["errors"][0]["code"] == "reason.required"
    assert step("approve", "rev1", "--reason", "材料齐全")[1]["status"] == "approved"
    code, out = step("mark-paid", "rev1")
    assert code == 0 and out["status"] == "paid"
    code, out = step("withdraw", "clerk1", "--reason", "申请人撤回")
    assert code == 2 and out["errors"][0]["code"] == "application.bad_transition"


def test_review_withdraw_by_the_clerk(store, clerk, capsys, tmp_path) -> None:
    clerk.register_person(person_data())
    app = clerk.create_application(application_data())
    code, out = run(
        capsys,
        "review",
        "withdraw",
        "--db",
        str(store.path),
        *as_user(tmp_path, "clerk1"),
        "--id",
        app["id"],
        "--reason",
        "撤回",
    )
    assert code == 0 and out["status"] == "withdrawn" and out["status_history"][-1]["note"] == "撤回"
