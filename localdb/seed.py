"""Synthetic but realistic data for demos, tests and the benchmark: employers with valid USCCs,
persons with valid ID numbers from the region's counties, Chinese and Tibetan names (Tibetan script
plus the usual Chinese transcription), enrollments in every category of the region, and applications
taken in and moved along their statuses. Everything is written through the service layer."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from forms.clock import business_today
from forms.uscc import ALPHABET

if TYPE_CHECKING:
    from localdb.service import Service
    from localdb.store import Store

COUNTIES = {
    "lhasa": ("540102", "540103", "540104", "540121", "540122", "540123", "540124", "540127"),
    "lianyungang": ("320703", "320706", "320707", "320722", "320723", "320724"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "晓明华丽静敏燕艳娟霞芳秀英玲红梅兰凤洁琳雪婷颖倩慧莉欣怡佳悦涵雨萱思琪宇浩然子轩博文杰磊强军平刚伟勇毅俊峰建国志东海波涛鹏飞"
# (Tibetan script, Chinese transcription): common given names; Tibetans usually have no family name
TIBETAN_NAMES = (
    ("བཀྲ་ཤིས", "扎西"),
    ("ཚེ་རིང", "次仁"),
    ("སྒྲོལ་མ", "卓玛"),
    ("བསོད་ནམས", "索朗"),
    ("ཆོས་སྒྲོན", "曲珍"),
    ("པདྨ", "白玛"),
    ("ལྷ་མོ", "拉姆"),
    ("ཉི་མ", "尼玛"),
    ("ཟླ་བ", "达瓦"),
    ("རྡོ་རྗེ", "多吉"),
    ("ནོར་བུ", "罗布"),
    ("དབང་མོ", "旺姆"),
    ("དབྱངས་ཅན", "央金"),
    ("བསྟན་འཛིན", "丹增"),
    ("ཕུན་ཚོགས", "平措"),
    ("མིག་དམར", "米玛"),
    ("སྤེན་པ", "边巴"),
    ("ལྷག་པ", "拉巴"),
    ("ཕུར་བུ", "普布"),
    ("པ་སངས", "巴桑"),
    ("དབང་འདུས", "旺堆"),
    ("ཡེ་ཤེས", "益西"),
)
TRADES = (
    "建设",
    "商贸",
    "旅游",
    "运输",
    "医药",
    "食品",
    "农牧",
    "电力",
    "通信",
    "教育",
    "物流",
    "矿业",
    "纺织",
    "港口",
)
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司")
PLACE = {
    "lhasa": ("拉萨", "城关", "堆龙", "达孜", "雪域", "高原"),
    "lianyungang": ("连云港", "海州", "赣榆", "东海", "灌云", "港城"),
}


def make_uscc(rng: random.Random, county: str) -> str:
    body = "91" + county + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + stdnum_uscc.calc_check_digit(body + "0")


class IdMaker:
    """Unique, valid resident ID numbers (GB 11643): county + birth date + sequence + check."""

    def __init__(self) -> None:
        self.used: dict[tuple[str, dt.date, str], int] = {}

    def make(self, county: str, birth: dt.date, sex: str) -> str | None:
        key = (county, birth, sex)
        k = self.used.get(key, 0)
        if k >= 499:
            return None
        self.used[key] = k + 1
        seq = 2 * k + (1 if sex == "male" else 2)
        body = f"{county}{birth:%Y%m%d}{seq:03d}"
        return body + stdnum_ric.calc_check_digit(body + "0")


def employer_rows(
    region: str, n: int, rng: random.Random, county_code: str | None = None
) -> list[dict[str, Any]]:
    """Employers of ``county_code`` (the counter's county; of any county of the region when None)."""
    rate_classes = {"lhasa": ("a", "b"), "lianyungang": ("standard",)}[region]
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(rows) < n:
        county = rng.choice(COUNTIES[region])
        county = county_code or county
        code = make_uscc(rng, county)
        name = (
            rng.choice(PLACE[region])
            + "".join(rng.sample(GIVEN, 2))
            + rng.choice(TRADES)
            + rng.choice(SUFFIXES)
        )
        if code in seen or name in seen:
            continue
        seen |= {code, name}
        rows.append(
            {
                "uscc": code,
                "name_zh": name,
                "county_code": county,
                "rate_class": rng.choice(rate_classes),
                "avg_monthly_wage": f"{rng.randrange(4000, 16000)}.{rng.randrange(0, 100):02d}",
                "contact_phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            }
        )
    return rows


def person_rows(
    region: str,
    n: int,
    employers: list[str],
    rng: random.Random,
    today: dt.date,
    county_code: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Persons insured in ``county_code`` (the counter's county; any county of the region when None),
    born anywhere in the region (the ID number's first six digits)."""
    ids = IdMaker()
    produced = 0
    categories = {
        "lhasa": (("employee", 70), ("flexible", 14), ("volunteer", 4), ("retiree", 12)),
        "lianyungang": (("employee", 72), ("flexible", 16), ("retiree", 12)),
    }[region]
    names, weights = zip(*categories, strict=True)
    while produced < n:
        county = rng.choice(COUNTIES[region])
        sex = "female" if rng.random() < 0.75 else "male"
        category = rng.choices(names, weights)[0]
        age = rng.randrange(61, 80) if category == "retiree" else rng.randrange(20, 50)
        birth = today - dt.timedelta(days=age * 365 + rng.randrange(365))
        number = ids.make(county, birth, sex)
        if number is None:
            continue
        row: dict[str, Any] = {
            "id_number": number,
            "category": category,
            "county_code": county_code or county,
            "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            "insured_since": (birth + dt.timedelta(days=365 * 20 + rng.randrange(3650))).isoformat(),
        }
        if row["insured_since"] > today.isoformat():
            row["insured_since"] = (today - dt.timedelta(days=400)).isoformat()
        if region == "lhasa" and rng.random() < 0.7:
            first, second = rng.sample(TIBETAN_NAMES, 2)
            row["name_bo"] = f"{first[0]}་{second[0]}"
            row["name_zh"] = f"{first[1]}{second[1]}" if rng.random() < 0.8 else f"{first[1]}·{second[1]}"
            row["ethnicity"] = "04"
        else:
            row["name_zh"] = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
            )
            row["ethnicity"] = rng.choices(("01", "03", "08"), (94, 4, 2))[0]
        if category == "employee":
            row["employer_uscc"] = rng.choice(employers)
        if category in ("employee", "flexible"):
            row["contribution_base"] = f"{rng.randrange(3500, 20000)}.00"
        if category == "flexible" and region == "lianyungang":
            row["flexible_scheme"] = rng.choice(("with_pooling", "pooling_only"))
        produced += 1
        yield row


def seed(
    store: Store, username: str, persons: int, *, applications: int | None = None, seed: int = 1
) -> dict[str, int]:
    """Fill ``store`` through the service layer of ``username`` (an admin is needed to move
    applications along) with records of the counter's own county only (a counter registers only its
    county's; the server refuses the rest). Returns counts."""
    from forms.errors import ValidationFailed
    from localdb.errors import DuplicateEmployer

    rng = random.Random(seed)
    today = business_today()
    svc = store.service(username)
    n_employers = max(3, min(5000, persons // 200))
    employers = []
    county = store.counter_info.county_code
    for row in employer_rows(store.region, n_employers, rng, county):
        try:
            employers.append(svc.register_employer(row)["uscc"])
        except DuplicateEmployer as exc:  # seeded before with this seed: use the one on file
            employers.append(exc.existing["uscc"])
        except ValidationFailed:
            continue
    written = svc.bulk_register_persons(person_rows(store.region, persons, employers, rng, today, county))
    if applications is None:
        applications = min(200, persons // 20)
    made = 0
    # clerks take applications in and someone else decides them (separation of duties)
    intake = _intake_service(store, svc) if applications else svc
    if applications:
        candidates = _application_candidates(store, applications * 3)
        for id_number, category in candidates:
            if made >= applications:
                break
            event_date = today - dt.timedelta(days=rng.randrange(20, 300))
            data: dict[str, Any] = {
                "id_number": id_number,
                "claim_type": "allowance" if category == "employee" else "medical",
                "event": "birth" if rng.random() < 0.9 else "miscarriage",
                "event_date": event_date.isoformat(),
                "babies": rng.choices((1, 2), (97, 3))[0],
                "dystocia": rng.random() < 0.1,
                "caesarean": rng.random() < 0.3,
                "contribution_months": rng.randrange(6, 120),
                "hospital": "市人民医院",
            }
            if data["event"] == "miscarriage":
                data.update(babies=0, gestation_weeks=str(rng.randrange(8, 24)))
            if data["claim_type"] == "medical":
                data["medical_amount"] = f"{rng.randrange(800, 9000)}.00"
            try:
                app = intake.create_application(data)
            except ValidationFailed:
                continue
            made += 1
            _advance(svc, app["id"], rng)
    return {"employers": len(employers), "persons": written, "applications": made}


def _application_candidates(store: Store, n: int) -> list[tuple[str, str]]:
    from sqlalchemy import text

    with store._read() as s:
        rows = s.execute(
            text(
                "SELECT id_number, category FROM persons WHERE sex = 'female' AND category != 'retiree' "
                "ORDER BY id DESC LIMIT :n"
            ),
            {"n": n},
        )
        return [(r[0], r[1]) for r in rows]


SEED_CLERK = "seed.clerk"


def _intake_service(store: Store, svc: Service) -> Service:
    """The service of the clerk who takes the seeded applications in: the acting user when a clerk,
    else a seeded clerk account (made once, without a password: it cannot log in)."""
    if svc.role == "clerk":
        return svc
    if not any(u["username"] == SEED_CLERK for u in store.users()):
        svc.add_user(SEED_CLERK, "clerk", None)
    return store.service(SEED_CLERK, today=svc.today)


def _advance(svc: Service, app_id: str, rng: random.Random) -> None:
    if svc.role == "clerk":
        return
    roll = rng.random()
    if roll < 0.3:
        return
    svc.start_review(app_id)
    if roll < 0.45:
        return
    if roll < 0.55:
        svc.reject(app_id, "材料不全")
        return
    if roll < 0.6:
        svc.withdraw(app_id, "申请人撤回")
        return
    svc.approve(app_id)
    if roll < 0.8:
        svc.mark_paid(app_id)
