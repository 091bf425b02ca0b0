"""Fuzzing every command-line input (issue 16): entitle, register person|employer|application,
check-id, check-uscc, search and verify, with JSON records mutated by hypothesis (hostile strings,
huge and malformed numbers, deep and odd structures, raw text) and hostile argument text.

The contract for every input: no traceback and no internal error (exit 70); stdout is JSON; a
refusal (exit 2) is ``{"errors": [...]}`` with every error coded and worded in Chinese, Tibetan and
English. Bounded to about a minute in total."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import localdb
from liangxian.cli import main
from tests.support.credentials import PASSWORDS, password_file
from tests.support.store_data import TODAY, application_data, employer_data, id_number, person_data, uscc

pytestmark = pytest.mark.heavy

TRIED: Counter[str] = Counter()
EXIT_CODES: Counter[int] = Counter()

FUZZ = settings(
    max_examples=int(os.environ.get("LIANGXIAN_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
    derandomize=True,  # the same inputs on every run: a failure reproduces
)


@pytest.fixture(scope="module")
def counter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A Lhasa counter with an employer and a person, clerk1's password file and a keys file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from printing import seal

    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "counter.db"
    store = localdb.init_store(
        path,
        region="lhasa",
        county_code="540102",
        counter_no=3,
        admin_username="boss",
        admin_password="s3cret",
    )
    boss = store.service("boss", today=TODAY)
    boss.add_user("clerk1", "clerk", PASSWORDS["clerk1"])
    boss.register_employer(employer_data())
    boss.register_person(person_data())
    store.close()
    keys = folder / "keys.json"
    keys.write_text(json.dumps(seal.keys_document({"ctr-01": Ed25519PrivateKey.generate().public_key()})))
    yield {
        "db": str(path),
        "pw": password_file(folder, PASSWORDS["clerk1"], "clerk1"),
        "keys": str(keys),
        "dir": str(folder),
    }


def call(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse (its errors are coded too)
                code = int(exc.code or 0)
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


def check(kind: str, argv: list[str], stdin: str = "", allowed: frozenset[int] = frozenset({0, 2})) -> None:
    TRIED[kind] += 1
    code, out, err = call(argv, stdin)
    EXIT_CODES[code] += 1
    assert "Traceback" not in out and "Traceback" not in err, (argv, err[-2000:])
    assert code in allowed, (code, argv, out[-2000:], err[-2000:])
    if not out.strip():
        return
    data = json.loads(out)
    if code == 2:
        assert isinstance(data, dict) and data["errors"], out
        for e in data["errors"]:
            assert e["code"] and e["message_zh"] and e["message_bo"] and e["message_en"], e
            assert not e["message_en"].startswith("error."), e  # a real message, not a bare msgid


# --- hostile values --------------------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\u200b",
        "\ufeff张晓",
        "张\u202e晓",
        "\x1b[31m红\x1b[0m",
        "张\n晓",
        "\ud800",
        "\udfff张",
        "\u0f71" * 50,
        "\u0f72་ས",
        "བཀྲ\u0fff",
        "扎西··次仁",
        "·",
        "x" * 5000,
        " " * 100_000 + "x",
        "15" + "\t" * 50_000,
        "1e1000000",
        "NaN",
        "-0",
        "９９９９",
        "0x1F",
        "2026-02-30",
        "9999-12-31",
        "0001-01-01",
        "15+6",
        "孕99周",
        "true",
        "null",
    ]
)
NUMBER_LITERALS = st.sampled_from(
    [
        "1e1000000",
        "9" * 5000,
        "1e26",
        "-1e26",
        "1e-1000000",
        "NaN",
        "Infinity",
        "-Infinity",
        "-0",
        "1.5",
        "1e23",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
    st.text(max_size=40),
    HOSTILE_TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)


def _mutated(base: dict) -> st.SearchStrategy[str]:
    """``base`` as JSON text with some fields replaced by hostile values, unknown keys added, or a
    field's value replaced by a raw number literal; or raw text that is not a record at all."""
    keys = sorted(base)

    @st.composite
    def build(draw) -> str:
        data = dict(base)
        for key in draw(st.lists(st.sampled_from([*keys, "extra", "名字"]), max_size=4)):
            data[key] = draw(VALUES)
        for key in draw(st.lists(st.sampled_from(keys), max_size=2)):
            data.pop(key, None)
        text = json.dumps(data, default=str)
        if draw(st.booleans()):
            key = draw(st.sampled_from(keys))
            text = json.dumps({**data, key: "@@raw@@"}, default=str).replace(
                '"@@raw@@"', draw(NUMBER_LITERALS)
            )
        return text

    raw = st.one_of(
        st.text(max_size=200),
        st.sampled_from(
            [
                "[" * 50 + "]" * 50,
                "{" * 40,
                '{"a":' * 40 + "1" + "}" * 40,
                "[]",
                "null",
                "1e1000000",
                '"\\' * 200_000,
                "\ufeff{}",
            ]
        ),
    )
    return st.one_of(build(), build(), build(), raw)


ENTITLE_BASE = {
    "region": "lhasa",
    "category": "employee",
    "event": "birth",
    "event_date": "2026-09-01",
    "babies": 1,
    "dystocia": False,
    "employer_avg_monthly_wage": "6543.21",
    "contribution_months": 24,
    "insured_since": "2015-03-01",
}


@FUZZ
@given(text=_mutated(ENTITLE_BASE))
def test_fuzz_entitle(text: str) -> None:
    check("entitle", ["entitle", "-", "--today", TODAY.isoformat()], stdin=text)


@FUZZ
@given(kind=st.sampled_from(["person", "employer", "application"]), data=st.data())
def test_fuzz_register(counter: dict[str, str], tmp_path_factory, kind: str, data) -> None:
    base = {
        "person": person_data(id_number=id_number(seq=4)),
        "employer": employer_data(uscc=uscc(org="MA6T5555")),
        "application": application_data(),
    }[kind]
    text = data.draw(_mutated(base))
    record = Path(counter["dir"]) / f"record-{kind}.json"
    record.write_text(text, encoding="utf-8", errors="surrogatepass")
    argv = ["register", kind, "--db", counter["db"], "--as", "clerk1", "--password-file", counter["pw"]]
    check(f"register {kind}", [*argv, str(record)])


ARG_TEXT = st.one_of(st.text(max_size=60), HOSTILE_TEXT, st.sampled_from(["11010519491231002X", id_number()]))


@FUZZ
@given(number=ARG_TEXT)
def test_fuzz_check_id(number: str) -> None:
    check("check-id", ["check-id", "--", number], allowed=frozenset({0, 1, 2}))


@FUZZ
@given(code=st.one_of(ARG_TEXT, st.just(uscc())))
def test_fuzz_check_uscc(code: str) -> None:
    check("check-uscc", ["check-uscc", "--", code], allowed=frozenset({0, 1, 2}))


@FUZZ
@given(
    query=ARG_TEXT, limit=st.one_of(st.none(), st.text(max_size=30), NUMBER_LITERALS), employers=st.booleans()
)
def test_fuzz_search(counter: dict[str, str], query: str, limit: str | None, employers: bool) -> None:
    argv = ["search", "--db", counter["db"], "--json"]
    if limit is not None:
        argv += [f"--limit={limit}"]
    if employers:
        argv.append("--employers")
    check("search", [*argv, "--", query])


PAYLOADS = st.one_of(
    st.text(max_size=300),
    HOSTILE_TEXT,
    st.builds(
        lambda parts: "|".join(parts),
        st.lists(
            st.one_of(st.sampled_from(["LX1", "R", "A", "-", "ctr-01", "2026-11-28"]), st.text(max_size=20)),
            max_size=10,
        ),
    ),
    st.just("LX1|R|N|h|-|2026-11-28|ctr-01|" + "A" * 100_000),
)


@FUZZ
@given(payload=PAYLOADS, source=st.sampled_from(["keys", "db", "passwd"]))
def test_fuzz_verify(counter: dict[str, str], payload: str, source: str) -> None:
    keys = {
        "keys": ["--keys", counter["keys"]],
        "db": ["--db", counter["db"]],
        "passwd": ["--db", "/etc/passwd"],
    }
    argv = ["verify", "--no-image", *keys[source], "--", payload]  # a payload naming a file is read as a PDF
    check("verify", argv, allowed=frozenset({0, 1, 2}))


def test_zz_fuzz_figures() -> None:
    """The figures of this run (printed with -s; logged otherwise)."""
    total = sum(TRIED.values())
    sys.stderr.write(f"\nfuzz: {total} inputs {dict(TRIED)}; exit codes {dict(EXIT_CODES)}; crashes 0\n")
    assert 70 not in EXIT_CODES and set(EXIT_CODES) <= {0, 1, 2}
