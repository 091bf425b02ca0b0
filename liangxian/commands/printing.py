"""``liangxian print``, ``print-samples`` and ``verify``: arguments in, the print-job services of
``liangxian.printjobs`` (store records mapped onto ``printing.model``, signed with the counter's key
from the OS keyring, the print recorded, a reprint marked 补打 with its count) called, JSON out.
``verify`` checks a PDF or a scanned QR payload offline against known counter public keys: a keys
JSON file, or the counters table of a local database.

Exit status: 0 done / genuine; 1 the document does not verify (altered, unknown counter, wrong ID);
2 invalid input or a condition the user must fix (no such record, no keyring, no font), with
``{"errors": [...]}`` on stdout and the message in Chinese and Tibetan on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import i18n
from forms.clock import business_today
from forms.errors import Issue, error
from liangxian.jsonio import EXIT_INVALID, emit

EXIT_NOT_GENUINE = 1

PRINT_HELP = """\
Print one document of a record in the local database as PDF.

KIND is receipt (受理回执, of an application), approval (待遇核定通知单, of an approved application
with an eligible decision; 生育医疗费用核定通知单 for a medical-cost claim), rejection (不予受理/不予支付告知书, of a rejected application or one whose
decision is not eligible) or enrollment (参保登记回执, of a person; --id is the person id). The language
follows the region's policy pack (Lhasa: Tibetan then Chinese; Lianyungang: Chinese). The QR code is
signed with this counter's Ed25519 key from the OS keyring. Every print is recorded; a reprint is
marked 补打 with its count. Papers: a4, a5; 80mm for the receipt only."""

SAMPLES_HELP = """\
Write one of each document for both regions on every paper size from synthetic data, plus
DIR/public-keys.json with the sample counters' public keys (an ephemeral in-memory key, never the
keyring), for checking layouts and for `liangxian verify --keys DIR/public-keys.json`."""

VERIFY_HELP = """\
Verify a printed document offline: FILE.pdf (its embedded QR payload; the signed number, date,
amount, masked ID number and name printed at their fields; the layout proof, so that edited, added
or hidden text, an extra page or any other change is refused; and the QR code decoded from the
rendered page when pdftoppm and zxing-cpp are installed) or the PAYLOAD text a scanner read from the
QR code. The signed facts are shown in words (JSON "facts" and "summary"; the summary in Chinese and
Tibetan on stderr) for comparing with the paper. Public keys come from --keys FILE (JSON:
{"counters": [{"id", "public_key_b64"}]} or {counter_id: public_key_b64}) or from the counters table of
--db PATH. With --id-number the payload's ID hash must match that ID number. Prints JSON; exit 0 when
genuine, 1 when not (altered amount or number, unknown counter, wrong ID), 2 on unreadable input."""


def register(sub: argparse._SubParsersAction) -> None:
    from liangxian.auth import add_password_args
    from printing.model import KINDS, PAPERS

    p = sub.add_parser(
        "print",
        help="print a receipt, slip or notice as PDF",
        description=PRINT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--db", required=True, metavar="PATH", help="the counter database (SQLite file)")
    p.add_argument(
        "--id", required=True, metavar="RECORD_ID", help="application id (person id for enrollment)"
    )
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF file to write")
    p.add_argument("--paper", choices=PAPERS, default="a4", help="paper size (default a4)")
    p.add_argument(
        "--as", dest="user", metavar="USER", help="the staff user printing (default: the first admin)"
    )
    add_password_args(p)
    p.add_argument("--today", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    p.set_defaults(func=run_print)

    p = sub.add_parser(
        "print-samples",
        help="write sample documents of every kind and paper",
        description=SAMPLES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--out", required=True, metavar="DIR", help="the folder to write into (created if missing)"
    )
    p.set_defaults(func=run_samples)

    p = sub.add_parser(
        "verify",
        help="verify a printed document's signed QR code offline",
        description=VERIFY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "document", metavar="FILE.pdf|PAYLOAD", help="a PDF file, or the payload text of the QR code"
    )
    p.add_argument("--keys", metavar="FILE", help="counter public keys (JSON)")
    p.add_argument("--db", metavar="PATH", help="take the counter public keys from this local database")
    p.add_argument(
        "--id-number", metavar="ID", help="also check that the document was issued for this ID number"
    )
    p.add_argument("--no-image", action="store_true", help="skip decoding the QR code from the rendered page")
    p.set_defaults(func=run_verify)


# --- errors ------------------------------------------------------------------------------------------


def _fail(issue: Issue, code: int = EXIT_INVALID) -> int:
    sys.stderr.write(f"{issue.message('zh')}\n{issue.message('bo')}\n")
    emit({"errors": [issue.to_json()]})
    return code


def _fail_message(code: str, messages: dict[str, str], exit_code: int = EXIT_INVALID) -> int:
    """For exceptions that carry their own bilingual message (keyring, fonts)."""
    sys.stderr.write(f"{messages['zh']}\n{messages['bo']}\n")
    emit(
        {
            "errors": [
                {
                    "code": code,
                    "field": "",
                    "message_zh": messages["zh"],
                    "message_bo": messages["bo"],
                    "message_en": messages["en"],
                }
            ]
        }
    )
    return exit_code


def _store_fail(exc: Any) -> int:
    sys.stderr.write(exc.bilingual() + "\n")
    emit({"errors": exc.to_json()})
    return EXIT_INVALID


# --- commands ----------------------------------------------------------------------------------------


def run_print(args: argparse.Namespace) -> int:
    try:
        import localdb
    except ImportError as exc:  # the store is part of the product; say so rather than crash
        return _fail(error("print.store_unavailable", "db", detail=str(exc)))
    from liangxian.keys import CounterKeyMissing, KeyringUnavailable
    from liangxian.printjobs import NotApplicable, WriteFailed, print_to_file
    from printing.documents import PaperUnsupported
    from printing.model import PAPERS_FOR
    from printing.typefaces import FontMissing

    if args.paper not in PAPERS_FOR[args.kind]:
        return _fail(error("print.paper_unsupported", "paper", kind=args.kind, paper=args.paper))
    if not Path(args.db).is_file():
        return _fail(error("print.store_unavailable", "db", detail=args.db))
    today = args.today or business_today()
    try:
        store = localdb.open_store(args.db)
    except localdb.StoreError as exc:
        return _fail(error("print.store_unavailable", "db", detail=str(exc)))
    try:
        from liangxian.auth import AuthError, acting_service

        if not args.user:
            args.user = next((u["username"] for u in store.users() if u["role"] == "admin"), None)
        if args.user is None:
            return _fail(error("print.store_unavailable", "db", detail="no staff user"))
        try:  # the user proves it (password) before anything is printed
            user = acting_service(args, store, today=today).username
        except (localdb.StoreError, AuthError) as exc:
            return _store_fail(exc)
        try:
            printed = print_to_file(
                store, args.kind, args.id, args.out, user=user, paper=args.paper, today=today
            )
        except (KeyringUnavailable, CounterKeyMissing) as exc:
            return _fail_message(exc.code, {lang: exc.message(lang) for lang in i18n.LANGS})
        except localdb.NotFound:
            return _fail(error("print.record_not_found", "id", id=args.id))
        except NotApplicable as exc:
            return _fail(error("print.kind_not_applicable", "kind", kind=exc.kind, detail=exc.detail))
        except (PaperUnsupported, FontMissing) as exc:
            return _fail_message(exc.code, {lang: exc.message(lang) for lang in i18n.LANGS})
        except WriteFailed as exc:
            return _fail(exc.issues[0])
        except localdb.StoreError as exc:  # the print could not be recorded: nothing was handed out
            return _store_fail(exc)
        emit(
            {
                "out": args.out,
                "kind": args.kind,
                "paper": args.paper,
                "number": printed.number,
                "reprint": printed.reprint,
                "bytes": len(printed.pdf),
            }
        )
        return 0
    finally:
        store.close()


def run_samples(args: argparse.Namespace) -> int:
    from liangxian.printjobs import WriteFailed, write_samples
    from printing.typefaces import FontMissing

    out = Path(args.out)
    try:
        written, keys_path = write_samples(out)
    except FontMissing as exc:
        return _fail_message(exc.code, {lang: exc.message(lang) for lang in i18n.LANGS})
    except WriteFailed as exc:
        return _fail(exc.issues[0])
    emit({"out": str(out), "documents": written, "keys": str(keys_path)})
    return 0


MAX_PAYLOAD_CHARS = 2953  # the most a QR code (version 40, 8-bit bytes, level L) can hold
MAX_PDF_BYTES = 20_000_000  # our documents are a few hundred kilobytes


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name too long to be a file (ENAMETOOLONG), a NUL byte
        return False


def run_verify(args: argparse.Namespace) -> int:
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    import localdb
    from liangxian.printjobs import keys_from_db
    from printing import seal
    from printing.verify import check_id_number, verify_payload, verify_pdf

    try:
        if args.keys:
            keys = seal.load_keys_file(Path(args.keys))
        elif args.db:
            if not _is_file(args.db):
                return _fail(error("print.store_unavailable", "db", detail=args.db))
            keys = keys_from_db(args.db)
        else:
            return _fail(error("verify.no_keys", "keys"))
    except seal.SealError as exc:
        return _fail(error(exc.code, "keys", **exc.params))
    except (RecursionError, ValueError, TypeError) as exc:  # a keys file nested too deep, a bad number
        return _fail(error("verify.keys_file", "keys", path=args.keys, detail=type(exc).__name__))
    except (localdb.StoreError, sqlite3.Error, DBAPIError) as exc:  # --db /etc/passwd: not a database
        return _fail(error("print.store_unavailable", "db", detail=type(exc).__name__))

    is_pdf = args.document.lower().endswith(".pdf") or _is_file(args.document)
    if not is_pdf and len(args.document) > MAX_PAYLOAD_CHARS:
        return _fail(error("verify.payload_format", "document", field="length"))
    source = Path(args.document)
    try:
        if is_pdf:
            try:
                with source.open("rb") as fh:
                    data = fh.read(MAX_PDF_BYTES + 1)
            except (OSError, ValueError) as exc:
                return _fail(error("verify.pdf_unreadable", "document", path=args.document, detail=str(exc)))
            if len(data) > MAX_PDF_BYTES:
                return _fail(
                    error("verify.pdf_unreadable", "document", path=args.document, detail="too large")
                )
            result = verify_pdf(data, keys, where=args.document, check_image=not args.no_image)
        else:
            result = verify_payload(args.document, keys)
        if args.id_number:
            check_id_number(result.payload, args.id_number)
    except seal.SealError as exc:
        input_problem = exc.code in ("verify.pdf_unreadable", "verify.no_payload", "verify.payload_format")
        field_name = "document"
        issue = error(exc.code, field_name, **exc.params)
        if input_problem:
            return _fail(issue)
        sys.stderr.write(f"{issue.message('zh')}\n{issue.message('bo')}\n")
        emit({"valid": False, "errors": [issue.to_json()]})
        return EXIT_NOT_GENUINE
    out = result.to_json()
    out["message"] = i18n.trilingual("print.verify.valid", counter=result.payload.counter)
    # the signed facts in words, for the person at the counter to compare with the paper
    sys.stderr.write(f"{out['summary']['zh']}\n{out['summary']['bo']}\n")
    emit(out)
    return 0
