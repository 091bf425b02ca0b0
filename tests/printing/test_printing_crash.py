"""Crash safety of ``liangxian print`` (issue 16, finding 9): a child process prints the same receipt
again and again and is killed with SIGKILL at random moments. After every kill, every PDF at an
``--out`` name has its print recorded (no genuine unrecorded copy), at most one PDF and one print
record are a first print (no second "first" copy), and every PDF is readable by its owner only.

Before the fix ``print`` wrote the PDF at ``--out`` and then recorded the print, so a kill between
the two left a first copy that the store did not know of, and the next print was "first" again."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from liangxian.cli import main
from tests.printing.test_printing_store import TODAY_ARG, counter_db  # noqa: F401 (fixture)
from tests.support.credentials import as_user

KILLS = 40


def _child(db: Path, record_id: str, out_dir: Path, out_fd: int) -> None:
    """Runs in the forked child: print the receipt to copy-N.pdf until killed."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        n = len(list(out_dir.glob("copy-*.pdf"))) + len(list(out_dir.glob(".copy-*")))
        while True:
            n += 1
            out = out_dir / f"copy-{os.getpid()}-{n}.pdf"
            args = ["print", "receipt", "--db", str(db), "--id", record_id, "--out", str(out)]
            code = main([*args, *as_user(db.parent, "clerk1", "pw-clerk"), *TODAY_ARG])
            os.write(out_fd, f"{code}\n".encode())
    except BaseException:  # pragma: no cover - only in the child
        os._exit(3)


def _is_first_print(pdf: Path) -> bool:
    text = "".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    return "补打" not in text


@pytest.mark.heavy
def test_sigkill_during_print_never_leaves_an_unrecorded_or_second_first_copy(counter_db, tmp_path) -> None:  # noqa: F811
    db, records = counter_db
    record_id = records["application"]["id"]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    # warm the fonts and shaping in the parent, so the children print at once
    assert main(["print", "receipt", "--db", str(db), "--id", record_id, "--out", str(tmp_path / "w.pdf"),
                 *as_user(db.parent, "clerk1", "pw-clerk"), *TODAY_ARG]) == 0  # fmt: skip
    (tmp_path / "w.pdf").unlink()  # recorded as the first print: every later one is a reprint
    # how long one print takes on this machine now (a busy machine prints slower): the kills land
    # within a few prints' time of the child's start, whatever the load
    t0 = time.monotonic()
    assert main(["print", "receipt", "--db", str(db), "--id", record_id, "--out", str(tmp_path / "w.pdf"),
                 *as_user(db.parent, "clerk1", "pw-clerk"), *TODAY_ARG]) == 0  # fmt: skip
    one_print = time.monotonic() - t0
    (tmp_path / "w.pdf").unlink()
    rng = random.Random(20261201)
    completed = 0
    for kill in range(KILLS):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os.close(read_fd)
            _child(db, record_id, out_dir, write_fd)
        os.close(write_fd)
        time.sleep(rng.uniform(0.1, 4.0) * one_print)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), f"child ended early ({status})"
        with os.fdopen(read_fd, "rb") as pipe:
            codes = pipe.read().decode().split()
        assert set(codes) <= {"0"}, f"kill {kill}: a print failed: {codes}"
        completed += len(codes)

        conn = sqlite3.connect(db)
        try:
            copies = [r[0] for r in conn.execute("SELECT copy_no FROM print_records WHERE record_id = ?",
                                                 (record_id,))]  # fmt: skip
            audited = conn.execute(
                "SELECT count(*) FROM audit_events WHERE action LIKE 'print.%'"
            ).fetchone()[0]
        finally:
            conn.close()
        pdfs = sorted(out_dir.glob("*.pdf"))
        assert copies.count(0) == 1, f"kill {kill}: first prints recorded: {copies.count(0)}"
        assert sorted(copies) == list(range(len(copies))), f"kill {kill}: copy numbers {copies}"
        assert audited == len(copies), f"kill {kill}"
        # every PDF handed out is recorded: the prints recorded cover the PDFs (plus the warm-up)
        assert len(pdfs) + 1 <= len(copies), f"kill {kill}: {len(pdfs)} PDFs, {len(copies)} prints"
        for pdf in pdfs:
            assert stat.S_IMODE(pdf.stat().st_mode) == 0o600, pdf
        for partial in out_dir.glob(".*.partial"):
            assert stat.S_IMODE(partial.stat().st_mode) == 0o600, partial
    assert not any(_is_first_print(pdf) for pdf in sorted(out_dir.glob("*.pdf"))), "a second first copy"
    assert completed > KILLS // 4, f"the child was not printing when killed ({completed} prints)"
    logging.getLogger(__name__).info("%d prints survived %d kills", completed, KILLS)


def test_print_creates_the_pdf_readable_by_its_owner_only(counter_db, tmp_path, capsys) -> None:  # noqa: F811
    db, records = counter_db
    out = tmp_path / "receipt.pdf"
    args = ["print", "receipt", "--db", str(db), "--id", records["application"]["id"], "--out", str(out)]
    assert main([*args, *as_user(db.parent, "clerk1", "pw-clerk"), *TODAY_ARG]) == 0
    assert json.loads(capsys.readouterr().out)["reprint"] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*.partial"))
