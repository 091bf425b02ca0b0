"""Search: ID number (full or prefix), Chinese name, pinyin full and initials (`zx` finds 张晓),
Tibetan name and its Wylie form; employers by name or USCC. Best match first."""

from __future__ import annotations

import pytest

from localdb.search import classify
from tests.support.store_data import id_number, person_data, uscc


@pytest.fixture
def people(clerk):
    made = {
        "zhangxiao": clerk.register_person(person_data(id_number=id_number(seq=2), name_zh="张晓")),
        "zhangxiaoming": clerk.register_person(person_data(id_number=id_number(seq=4), name_zh="张晓明")),
        "zhaoxin": clerk.register_person(person_data(id_number=id_number(seq=6), name_zh="赵鑫")),
        "tashi": clerk.register_person(
            person_data(id_number=id_number(seq=8), name_zh="扎西·卓玛", name_bo="བཀྲ་ཤིས་སྒྲོལ་མ", ethnicity="04")
        ),
        "tsering": clerk.register_person(
            person_data(
                id_number=id_number("540103", "19850101", 10),
                name_zh="次仁",
                name_bo_wylie="tshe ring",
                ethnicity="04",
            )
        ),
    }
    return made


def ids(results) -> list[str]:
    return [r["id"] for r in results]


def test_pinyin_initials_zx_finds_zhang_xiao_first(store, people) -> None:
    found = store.search_persons("zx")
    assert found[0]["id"] == people["zhangxiao"]["id"] and found[0]["score"] == 1.0
    assert {people["zhaoxin"]["id"], people["zhangxiaoming"]["id"], people["tashi"]["id"]} <= set(ids(found))


def test_full_pinyin_with_or_without_spaces_and_capitals(store, people) -> None:
    for q in ("zhangxiao", "zhang xiao", "ZhangXiao"):
        found = store.search_persons(q)
        assert ids(found)[:2] == [people["zhangxiao"]["id"], people["zhangxiaoming"]["id"]], q
    assert ids(store.search_persons("zhaxizhuoma")) == [people["tashi"]["id"]]


def test_chinese_name_exact_first_then_prefix(store, people) -> None:
    assert ids(store.search_persons("张晓")) == [people["zhangxiao"]["id"], people["zhangxiaoming"]["id"]]
    assert ids(store.search_persons("扎西·卓玛")) == [people["tashi"]["id"]]


def test_id_number_full_prefix_and_lower_case(store, people) -> None:
    number = people["tsering"]["id_number"]
    assert ids(store.search_persons(number)) == [people["tsering"]["id"]]
    assert ids(store.search_persons(number.lower())) == [people["tsering"]["id"]]
    assert ids(store.search_persons("540103")) == [people["tsering"]["id"]]
    assert len(store.search_persons("5401")) == 5
    found = store.search_persons(number)[0]
    assert found["id_masked"] == number[:6] + "********" + number[-4:] and "id_number" not in found


def test_tibetan_name_and_wylie(store, people) -> None:
    assert ids(store.search_persons("བཀྲ་ཤིས")) == [people["tashi"]["id"]]
    assert ids(store.search_persons("བཀྲ་ཤིས་")) == [people["tashi"]["id"]]  # trailing tsheg typed
    assert ids(store.search_persons("bkra shis")) == [people["tashi"]["id"]]
    assert ids(store.search_persons("bkrashis sgrol")) == [people["tashi"]["id"]]
    assert ids(store.search_persons("tshe ring")) == [people["tsering"]["id"]]
    assert store.search_persons("tshe ring")[0]["name_bo"] == "ཚེ་རིང"


def test_results_carry_the_contract_fields(store, people) -> None:
    r = store.search_persons("zx")[0]
    assert set(r) == {"id", "name_zh", "name_bo", "id_masked", "category", "score", "matched"}
    assert r["category"] == "employee"


def test_limit_and_empty_queries(store, people) -> None:
    assert len(store.search_persons("z", limit=2)) == 2
    assert store.search_persons("") == [] and store.search_persons("   ") == []
    assert store.search_persons("qqqq") == []


def test_employers_by_name_or_uscc(store, people) -> None:
    by_name = store.search_employers("雪域")
    assert [e["uscc"] for e in by_name] == [uscc()]
    assert [e["uscc"] for e in store.search_employers(uscc()[:10])] == [uscc()]
    assert store.search_employers(uscc())[0]["score"] == 1.0


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("540102199003150027", "id_number"),
        ("5401", "id_number"),
        ("张晓", "name_zh"),
        ("བཀྲ", "name_bo"),
        ("zx", "latin"),
    ],
)
def test_query_kinds(query: str, kind: str) -> None:
    assert classify(query)[0] == kind


def test_surnames_are_read_as_surnames(store, clerk) -> None:
    zeng = clerk.register_person(person_data(id_number=id_number(seq=20), name_zh="曾小红"))
    shan = clerk.register_person(person_data(id_number=id_number(seq=22), name_zh="单丽"))
    assert ids(store.search_persons("zengxiaohong")) == [zeng["id"]]
    assert ids(store.search_persons("zxh")) == [zeng["id"]]
    assert ids(store.search_persons("shanli")) == [shan["id"]]


# --- issue 13: last four of the ID number, a given name, a syllable anywhere, a receipt number -------


def _number_ending_in_x() -> str:
    return next(n for n in (id_number(seq=s) for s in range(30, 400, 2)) if n.endswith("X"))


def test_last_four_of_the_id_number_with_x(store, clerk, people) -> None:
    number = _number_ending_in_x()
    made = clerk.register_person(person_data(id_number=number, name_zh="拉姆"))
    for q in (number[-4:], number[-4:].lower()):
        found = store.search_persons(q)
        assert found[0]["id"] == made["id"] and found[0]["matched"] == "id_last4", q
    tsering = people["tsering"]["id_number"][-4:]
    assert ids(store.search_persons(tsering))[0] == people["tsering"]["id"]


def test_a_given_name_alone_finds_the_whole_name(store, clerk, people) -> None:
    tsering_drolma = clerk.register_person(
        person_data(id_number=id_number(seq=40), name_zh="次仁卓玛", name_bo="ཚེ་རིང་སྒྲོལ་མ")
    )
    drolma = clerk.register_person(person_data(id_number=id_number(seq=42), name_zh="卓玛"))
    found = ids(store.search_persons("卓玛"))
    assert found[0] == drolma["id"]  # the exact name first
    assert {tsering_drolma["id"], people["tashi"]["id"]} <= set(found)  # 扎西·卓玛 too
    assert people["zhangxiao"]["id"] in ids(store.search_persons("晓"))  # a Han given name
    assert people["zhangxiaoming"]["id"] in ids(store.search_persons("晓明"))
    assert ids(store.search_persons("xiaoming")) == [people["zhangxiaoming"]["id"]]  # its pinyin


def test_a_wylie_syllable_anywhere_in_the_name(store, clerk, people) -> None:
    made = clerk.register_person(
        person_data(id_number=id_number(seq=44), name_zh="次仁卓玛", name_bo="ཚེ་རིང་སྒྲོལ་མ")
    )
    for q in ("sgrol ma", "sgrolma", "sgrol", "སྒྲོལ་མ"):
        found = ids(store.search_persons(q))
        assert {made["id"], people["tashi"]["id"]} <= set(found), q
    assert ids(store.search_persons("ring sgrol")) == [made["id"]]
    # a match from the name's start still comes before one inside it
    assert ids(store.search_persons("tshe ring"))[0] == people["tsering"]["id"]


def test_inner_keys_follow_a_correction(store, clerk, people) -> None:
    person = people["zhaoxin"]
    clerk.update_person(person["id"], person["version"], {"name_zh": "赵卓嘎"})
    assert person["id"] in ids(store.search_persons("卓嘎"))
    assert person["id"] not in ids(store.search_persons("鑫"))


def test_receipt_number_names_its_application(store, clerk, people) -> None:
    from tests.support.store_data import application_data

    person = people["tashi"]
    app = clerk.create_application(application_data(id_number=person["id_number"]))
    receipt = app["receipt_no"]
    for q in (receipt, receipt.replace("-", ""), f" {receipt} "):
        found = store.search_persons(q)
        assert [(h["id"], h["application_id"], h["receipt_no"]) for h in found] == [
            (person["id"], app["id"], receipt)
        ], q
    assert classify(receipt) == ("receipt_no", receipt)


def _key_rows(store) -> set[tuple[str, str]]:
    import sqlite3

    conn = sqlite3.connect(store.path)
    try:
        return set(conn.execute("SELECT key, person_id FROM person_search_keys"))
    finally:
        conn.close()


def test_inner_keys_follow_a_pulled_change_and_a_merge(store, clerk, tmp_path, template_db) -> None:
    """A name corrected at another counter and a duplicate merged by the server: the keys of the
    names now held, none left of the names replaced or of the dropped duplicate."""
    import shutil

    import localdb
    from tests.localdb.test_store_remote import as_pulled
    from tests.support.store_data import TODAY

    theirs = clerk.register_person(person_data(name_zh="次仁卓玛", name_bo="ཚེ་རིང་སྒྲོལ་མ"))
    path = tmp_path / "other.db"
    shutil.copyfile(template_db, path)
    other = localdb.open_store(path)
    try:
        here = other.service("clerk1", today=TODAY)
        mine = here.register_person(person_data(name_zh="次仁卓玛"))  # the same woman, offline
        here.mark_synced([c["id"] for c in other.outbox_batch(100)])
        here.apply_remote(as_pulled(store, ("person",)))
        assert ids(other.search_persons("卓玛")) == [theirs["id"]]  # the duplicate is gone
        assert {pid for _k, pid in _key_rows(other)} == {theirs["id"]}
        clerk.update_person(theirs["id"], theirs["version"], {"name_zh": "次仁拉姆", "name_bo": "ཚེ་རིང་ལྷ་མོ"})
        here.apply_remote(as_pulled(store, ("person",)))
        assert ids(other.search_persons("拉姆")) == [theirs["id"]]
        assert ids(other.search_persons("lha mo")) == [theirs["id"]]
        assert other.search_persons("卓玛") == [] and other.search_persons("sgrol ma") == []
        assert ("卓玛", theirs["id"]) not in _key_rows(other)
        assert mine["id"] != theirs["id"]
    finally:
        other.close()


# --- issue 20: namesakes told apart, the true count --------------------------------------------------


def _numbers_ending_in(tail: str, count: int) -> list[str]:
    """``count`` valid ID numbers of women born on different days, all ending in ``tail``."""
    import datetime as dt

    seq, check = int(tail[:3]), tail[3]
    out: list[str] = []
    day = dt.date(1980, 1, 1)
    while len(out) < count:
        number = id_number(birth=day.strftime("%Y%m%d"), seq=seq)
        if number[-1] == check:
            out.append(number)
        day += dt.timedelta(days=1)
    return out


def test_lookup_tells_the_true_count_beyond_the_first_page(store, clerk) -> None:
    """121 women whose ID numbers end in the same four: a last-four lookup says 121, not 50."""
    numbers = _numbers_ending_in("0027", 121)
    for n, number in enumerate(numbers):
        clerk.register_person(person_data(id_number=number, name_zh="次仁卓玛", phone=f"1380013{n:04d}"))
    found = store.lookup_persons("0027", limit=50)
    assert (len(found["hits"]), found["total"], found["capped"]) == (50, 121, False)
    by_name = store.lookup_persons("次仁卓玛", limit=50)
    assert (len(by_name["hits"]), by_name["total"]) == (50, 121)
    # the CLI's contract is untouched: the same hits, without the added keys
    assert [h["id"] for h in store.search_persons("0027")] == [h["id"] for h in found["hits"]]
    assert set(store.search_persons("0027")[0]) == {
        "id", "name_zh", "name_bo", "id_masked", "category", "score", "matched"
    }  # fmt: skip
    assert store.lookup_persons("0027", limit=1000)["total"] == 121
    assert store.lookup_persons("qqqq") == {"hits": [], "total": 0, "capped": False}


def test_lookup_hits_carry_birth_date_county_and_employer(store, clerk, people) -> None:
    born_1985 = clerk.register_person(
        person_data(id_number=id_number("540103", "19850707", 12), name_zh="张晓", county_code="540103")
    )
    hits = {h["id"]: h for h in store.lookup_persons("张晓")["hits"]}
    assert hits[born_1985["id"]]["birth_date"] == "1985-07-07"
    assert hits[born_1985["id"]]["county_code"] == "540103"
    assert hits[people["zhangxiao"]["id"]]["birth_date"] == "1990-03-15"
    assert hits[people["zhangxiao"]["id"]]["employer_name_zh"] == "拉萨雪域建设有限公司"
    # the masked number keeps its tail: the last four tell two namesakes apart
    assert hits[born_1985["id"]]["id_masked"].endswith(born_1985["id_number"][-4:])


def test_an_exact_id_number_comes_first(store, clerk, people) -> None:
    number = people["zhangxiao"]["id_number"]
    found = store.lookup_persons(number)
    assert found["hits"][0]["id"] == people["zhangxiao"]["id"] and found["hits"][0]["score"] == 1.0
    assert found["total"] == 1


def test_the_count_stops_at_its_cap(store, clerk, people) -> None:
    from localdb.search import count_persons

    with store._read() as s:
        assert count_persons(s, "5401", cap=3) == 4  # one past the cap: "more than 3"
        assert count_persons(s, "5401") == 5
        from localdb.search import lookup_persons

        assert {k: v for k, v in lookup_persons(s, "5401", cap=3).items() if k != "hits"} == {
            "total": 3,
            "capped": True,
        }
