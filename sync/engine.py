"""The counter's sync engine: one sync against any ``SyncProtocol`` (the HTTP client, or the server's
in-process session in tests).

One run: ``hello`` (is this counter's audit chain still the one the server acknowledged? if not it was
restored from an old backup: start a new audit epoch, pull everything again from cursor 0 and raise
the receipt sequences above what the server has seen) → push every unsent outbox change in signed
batches (each answered on its own: acknowledged, or refused for good with its coded reasons, which the
clerk sees; a resent batch gets the same answers) → pull the county's changes page by page, each page
and its cursor in one local transaction, never over a row with unsent changes, every record checked
first (``localdb.pullcheck``: a refused record refuses its page and stops the sync, nothing written)
→ a sanity check of counts per entity; a mismatch pulls the differing entities again from the start in
one pass, which repairs only what differs.

Converging: a change answered ``conflict`` lost on the server, whose row then stands here too
(``TAKE_SERVER``); a person refused because another county holds its ID number leaves this county's
records (``Service.set_aside_persons``); a child whose parent is neither here nor in its page waits
for a later page of the same pass. ``retry_refused`` sends again what was refused for a reason an
admin can fix (``Service.retry_refused``).

Nothing an answer says is taken beyond the engine's bounds: a page's cursor lies between the cursor
asked and the county's last sequence the page announces and is the last record's (it never jumps past
records it did not bring), its records between the two and in order,
no more of them than asked, ``more`` never with an empty page; receipt high-water marks within the
receipt number's four digits. An answer over a bound is refused whole (``sync.out_of_bounds``, nothing
written, the cursor stays). A run pulls at most ``max_pages`` pages; with more waiting it stops there
(``SyncReport.more``: the CLI exits 3) and the next run resumes at the stored cursor.

Everything a run does is committed step by step, so a dropped link, a killed client or a restarted
server resumes where it was: unacknowledged changes are simply sent again (the server answers a change
id it has seen with its first answer), and the pull resumes at the stored cursor.
"""

from __future__ import annotations

import json
import logging
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from localdb.clock import utc_now
from localdb.records import to_wire
from localdb.remote import TAKE_SERVER, RemoteRecord
from localdb.store import Store
from sync.protocol import (
    MAX_PAGE,
    MAX_RECEIPT_SEQ,
    AuditLink,
    Change,
    ChangeResult,
    Hello,
    HelloResponse,
    OutOfBounds,
    PullRequest,
    PullResponse,
    PushRequest,
    Record,
    SyncProtocol,
    sign_change,
)

log = logging.getLogger(__name__)

CURSOR = "pull.cursor"
#: a refused create whose record left this counter (another county holds the person) is not a local
#: extra in the count check
OTHER_COUNTY = "person.registered_in_other_county"
#: children applied only once their parent is here: entity → the fields naming a parent (and its entity)
PARENTS = {
    "enrollment": (("person_id", "person"), ("employer_id", "employer")),
    "application": (("person_id", "person"),),
}
EPOCH = "audit.epoch"
LAST_OK = "sync.last_ok"
#: the server key (base64 of its Ed25519 public key), learned at enrollment; every answer must verify
SERVER_KEY = "server.signing_key"
#: pages one run pulls at most (then ``SyncReport.more``; the next run resumes)
MAX_PAGES: int = 200
#: entities that stay on the counter: the counter's own set-up, and staff accounts (managed on the
#: server, which sends them to every counter of the county)
LOCAL_ONLY = frozenset({"counter", "user"})
#: the entities whose counts the sanity check compares
COUNTED = ("employer", "person", "enrollment", "application", "print", "conflict")

Progress = Callable[[str, int, int], None]


@dataclass
class SyncReport:
    """What one sync did (``liangxian sync --json`` prints ``to_json()``)."""

    pushed: int = 0
    pulled: int = 0
    rejected: int = 0
    conflicts: int = 0
    duplicates_merged: int = 0
    cursor: int = 0
    forked: bool = False
    repaired: list[str] = field(default_factory=list)
    mismatched: dict[str, tuple[int, int]] = field(default_factory=dict)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    #: the run stopped at ``max_pages`` with more to pull: sync again (it resumes at the cursor)
    more: bool = False
    #: refused changes sent again (``retry_refused``)
    retried: int = 0

    @property
    def in_step(self) -> bool:
        return not self.rejected and not self.conflicts and not self.mismatched and not self.more

    def to_json(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "pulled": self.pulled,
            "rejected": self.rejected,
            "conflicts": self.conflicts,
            "duplicates_merged": self.duplicates_merged,
            "cursor": self.cursor,
        }


def change_from_outbox(item: Mapping[str, Any], *, counter_id: str, epoch: int) -> Change:
    """An outbox change (``Reads.pending_changes``) as the wire's unsigned ``Change``."""
    entity = item["entity"]
    payload = item["payload"] or {}
    if entity == "conflict":
        data: dict[str, Any] = {"resolution": payload.get("resolution") or payload.get("take")}
        op, version = "resolve", 1
    else:
        data = to_wire(entity, payload)
        version = int(payload.get("version") or 1)
        op = item["op"]
        if op == "update" and entity == "application" and "status_from" in payload:
            op = "transition"
    return Change(
        change_id=item["id"],
        counter_id=counter_id,
        entity=entity,
        entity_id=item["entity_id"],
        op=op,
        base_version=item["base_version"],
        version=version,
        changed=tuple(item["changed"] or ()),
        data=data,
        actor=item["actor"] or "",
        at=item["at"],
        audit=AuditLink(epoch, int(item["audit_seq"]), item["audit_hash"], item["audit_prev_hash"]),
    )


def remote_record(r: Record) -> RemoteRecord:
    return RemoteRecord(r.entity, r.entity_id, r.version, r.data, r.server_seq, r.merged_into)


class SyncEngine:
    """Sync one counter database with the central server, acting as ``username`` (whoever is logged
    in when the link comes back)."""

    def __init__(
        self,
        store: Store,
        transport: SyncProtocol,
        *,
        username: str,
        key: Ed25519PrivateKey,
        batch: int = 200,
        page: int = 1000,
        max_pages: int | None = None,
        progress: Progress | None = None,
        retry_refused: bool = False,
    ):
        self.store = store
        self.transport = transport
        self.svc = store.service(username)
        self.key = key
        self.batch = max(1, min(batch, 500))
        self.page = max(1, min(page, MAX_PAGE))
        self.max_pages = max(1, max_pages if max_pages is not None else MAX_PAGES)
        self._pages = 0
        self.progress = progress or (lambda _stage, _done, _total: None)
        self.counter_id = store.counter_info.id
        #: send again the changes refused for a reason an admin can fix (``Service.retry_refused``)
        self.retry_refused = retry_refused

    # --- the run -------------------------------------------------------------------------------------

    def run(self) -> SyncReport:
        started = utc_now()
        report = SyncReport()
        outcome = "failed"
        self._pages = 0
        try:
            self._hello(report)
            if self.retry_refused:
                report.retried = len(self.svc.retry_refused())
            self._push(report)
            self._pull(report, self._cursor())
            if not report.more:
                self._take_leftovers(report)
            if not report.more:
                self._sanity(report)
            outcome = "ok" if report.in_step else "attention"
            self.svc.set_sync_state({LAST_OK: utc_now()})
            return report
        finally:
            report.cursor = self._cursor()
            try:
                self.svc.record_sync_run(started_at=started, outcome=outcome, summary=report.to_json())
            except Exception:  # the run's own error matters more than its log line
                log.exception("could not record the sync run")

    def _cursor(self) -> int:
        text = self.store.sync_state().get(CURSOR, "0")
        if not text.isascii() or not text.isdigit() or len(text) > 19:  # never taken beyond 2**62
            raise OutOfBounds("sync.out_of_bounds", "cursor", detail=f"stored cursor {text[:24]!r}")
        return int(text)

    def _epoch(self) -> int:
        return int(self.store.sync_state().get(EPOCH, "0"))

    def _hello(self, report: SyncReport) -> HelloResponse:
        seq, digest = self.store.audit_head()
        epoch = self._epoch()
        hello = self.transport.hello(Hello(self.counter_id, epoch, seq, digest))
        self._check_hello(hello)
        ack = hello.acknowledged
        if ack is not None and self._forked(ack, epoch):
            # restored from a backup older than what the server holds: a new epoch, everything again
            new_epoch = max(epoch, ack.epoch) + 1
            log.warning(
                "audit chain forks from the server's (epoch %s seq %s): new epoch %s",
                ack.epoch,
                ack.seq,
                new_epoch,
            )
            self.svc.set_sync_state({EPOCH: str(new_epoch), CURSOR: "0"})
            report.forked = True
        if hello.receipt_high_water:
            self.svc.raise_receipt_sequences(dict(hello.receipt_high_water))
        return hello

    @staticmethod
    def _check_hello(hello: HelloResponse) -> None:
        """Receipt high-water marks within the receipt number's format (a day ``YYYYMMDD``, four
        digits of sequence), before anything of the answer is used."""
        for day, last in hello.receipt_high_water.items():
            if not (len(day) == 8 and day.isascii() and day.isdigit()):
                raise OutOfBounds("sync.out_of_bounds", "receipt_high_water", detail=f"day {day[:12]!r}")
            if isinstance(last, bool) or not isinstance(last, int) or not 0 <= last <= MAX_RECEIPT_SEQ:
                raise OutOfBounds(
                    "sync.out_of_bounds", "receipt_high_water", detail=f"{day}: {last} > {MAX_RECEIPT_SEQ}"
                )

    def _forked(self, ack: AuditLink, epoch: int) -> bool:
        if ack.epoch > epoch:
            return True
        if ack.epoch < epoch:
            return False
        return self.store.audit_hash_at(ack.seq) != ack.hash

    def _push(self, report: SyncReport) -> None:
        total = self.store.pending_outbox_count()
        done = 0
        self.progress("push", 0, total)
        while True:
            items = self.store.pending_changes(self.batch)
            if not items:
                break
            local = [i["id"] for i in items if i["entity"] in LOCAL_ONLY]
            if local:
                self.svc.mark_synced(local, state={"outbox.local_only": str(len(local))})
            items = [i for i in items if i["entity"] not in LOCAL_ONLY]
            if not items:
                continue
            epoch = self._epoch()
            changes = [
                sign_change(change_from_outbox(i, counter_id=self.counter_id, epoch=epoch), self.key)
                for i in items
            ]
            response = self.transport.push(PushRequest(self.counter_id, tuple(changes)))
            answered = self._record_answers(items, response.results, report)
            done += len(items)
            self.progress("push", done, total)
            if not answered:
                # nothing of this batch was answered (a reply bundle answers only what it carried):
                # asking again now would get the same silence; the changes wait for the next sync
                break

    def _record_answers(
        self, items: Sequence[Mapping[str, Any]], results: Sequence[ChangeResult], report: SyncReport
    ) -> int:
        """Record the server's answers; returns how many of ``items`` were answered."""
        by_id = {r.change_id: r for r in results}
        acknowledged: list[str] = []
        refused: dict[str, list[dict[str, str]]] = {}
        set_aside: dict[str, list[dict[str, str]]] = {}
        take = self._take_server()
        for item in items:
            result = by_id.get(item["id"])
            if result is None:  # not answered: sent again next time
                continue
            errors = [dict(e) for e in result.errors]
            other_county = (
                result.status == "conflict"
                and item["entity"] == "person"
                and item["op"] == "create"
                and any(e.get("code") == OTHER_COUNTY for e in errors)
            )
            if result.status == "rejected" or other_county:
                refused[item["id"]] = errors
                report.refusals.append(
                    {
                        "change_id": item["id"],
                        "entity": item["entity"],
                        "entity_id": item["entity_id"],
                        "errors": errors,
                    }
                )
                if other_county:
                    # the server holds no such person: it leaves this county's records here too
                    set_aside[item["entity_id"]] = errors
                    report.conflicts += 1
                continue
            acknowledged.append(item["id"])
            report.pushed += 1
            if result.status == "conflict":
                report.conflicts += 1
                if item["entity"] != "conflict":
                    take[item["entity_id"]] = item["entity"]  # the server's row stands
            elif result.status == "duplicate":
                report.duplicates_merged += 1
        if acknowledged:
            self.svc.mark_synced(acknowledged, state={TAKE_SERVER: json.dumps(take, sort_keys=True)})
        if refused:
            self.svc.mark_refused(refused)
            report.rejected += len(refused)
        if set_aside:
            self.svc.set_aside_persons(set_aside)
        return len(acknowledged) + len(refused)

    def _take_server(self) -> dict[str, str]:
        try:
            value = json.loads(self.store.sync_state().get(TAKE_SERVER) or "{}")
        except ValueError:
            return {}
        return dict(value) if isinstance(value, dict) else {}

    def _pull(
        self,
        report: SyncReport,
        cursor: int,
        entities: tuple[str, ...] | None = None,
        *,
        keep_cursor: bool = False,
    ) -> None:
        """Pull pages from ``cursor`` until the server has no more. A child whose parent is neither
        here nor in its page (an enrollment before its person's latest change) waits for a later page
        of the same pass; while one waits, the stored cursor stays before it, so a pass cut off pulls it
        again. One still waiting at the end is refused like any bad record."""
        waiting: list[Record] = []
        while True:
            if self._pages >= self.max_pages:
                report.more = True  # the next run resumes at the stored cursor
                log.info("pulled %d pages in this run; more waits for the next", self._pages)
                return
            page = self.transport.pull(PullRequest(cursor, self.page, entities))
            self._pages += 1
            self._check_page(page, cursor, entities)
            ready, waiting = self._split_waiting([*waiting, *page.records])
            stored = page.cursor if not waiting else min(page.cursor, min(r.server_seq for r in waiting) - 1)
            state = {} if keep_cursor else {CURSOR: str(max(stored, 0))}
            applied = self.svc.apply_remote([remote_record(r) for r in ready], state=state)
            report.pulled += applied.applied
            report.duplicates_merged += len(applied.merged)
            cursor = page.cursor
            self.progress("pull", report.pulled, report.pulled + (self.page if page.more else 0))
            if not page.more:
                break
        if waiting:  # the server sent children without their parents: refused, named
            self.svc.apply_remote([remote_record(r) for r in waiting])

    def _split_waiting(self, records: Sequence[Record]) -> tuple[list[Record], list[Record]]:
        here: dict[str, set[str]] = {"person": set(), "employer": set()}
        for r in records:
            if r.entity in here and r.data is not None and not r.merged_into:
                here[r.entity].add(r.entity_id)
        wanted: dict[str, set[str]] = {"person": set(), "employer": set()}
        for r in records:
            for field_name, parent in PARENTS.get(r.entity, ()):
                value = (r.data or {}).get(field_name) if isinstance(r.data, Mapping) else None
                if isinstance(value, str) and value not in here[parent]:
                    wanted[parent].add(value)
        for parent, ids in wanted.items():
            if ids:
                here[parent] |= self.store.existing_ids(parent, ids)
        ready: list[Record] = []
        waiting: list[Record] = []
        for r in records:
            missing = False
            for field_name, parent in PARENTS.get(r.entity, ()):
                value = (r.data or {}).get(field_name) if isinstance(r.data, Mapping) else None
                if isinstance(value, str) and value not in here[parent]:
                    missing = True
            (waiting if missing else ready).append(r)
        return ready, waiting

    def _take_leftovers(self, report: SyncReport) -> None:
        """Records whose change lost on the server and whose server row the pull did not bring (it was
        pulled before, while the change was unsent): pulled again from the start, once."""
        take = self._take_server()
        if not take:
            return
        self._pull(report, 0, tuple(e for e in COUNTED if e in set(take.values())), keep_cursor=True)
        self.svc.set_sync_state({TAKE_SERVER: "{}"})

    def _check_page(self, page: PullResponse, cursor: int, entities: tuple[str, ...] | None) -> None:
        """A page within bounds, or refused whole before anything of it is written (the cursor stays)."""

        def refuse(where: str, detail: str) -> typing.NoReturn:
            raise OutOfBounds("sync.out_of_bounds", where, detail=detail)

        if page.cursor < cursor:
            refuse("cursor", f"{page.cursor} goes back from {cursor}")
        if page.cursor > page.last_seq:
            refuse("cursor", f"{page.cursor} beyond the server's last sequence {page.last_seq}")
        if len(page.records) > self.page:
            refuse("records", f"{len(page.records)} records, {self.page} asked")
        if page.more and not page.records:
            refuse("more", "more waits but the page is empty")
        # the cursor moves to the last record it brings, never past records it did not bring
        last = page.records[-1].server_seq if page.records else cursor
        if entities is None and page.cursor != last:
            refuse("cursor", f"{page.cursor} is not the last record's sequence {last}")
        previous = cursor
        for r in page.records:
            if not previous < r.server_seq <= page.cursor:
                refuse("server_seq", f"{r.server_seq} outside {previous + 1}..{page.cursor}")
            if entities is not None and r.entity not in entities:
                refuse("entity", f"{r.entity} not asked")
            previous = r.server_seq

    def _sanity(self, report: SyncReport) -> None:
        """Counts per entity must agree once nothing is waiting; a mismatch pulls that entity again
        from the start (only what differs is written: records already here are skipped). Records this
        counter made that the server refused for good are here and not there, and are allowed for."""
        if self.store.pending_outbox_count():
            return  # local work not on the server yet: counts cannot agree, and nothing is overwritten
        server = self.transport.counts().counts

        def differing() -> dict[str, tuple[int, int]]:
            local = self.store.entity_counts()
            extra: dict[str, int] = {}
            refused: dict[str, set[str]] = {}
            for r in self.store.refused_changes():
                if r["op"] == "create" and r["entity"] in ("person", "employer", "enrollment", "application"):
                    refused.setdefault(r["entity"], set()).add(r["entity_id"])
                elif r["op"] == "create":
                    extra[r["entity"]] = extra.get(r["entity"], 0) + 1
            for entity, ids in refused.items():  # only those still here (not set aside)
                extra[entity] = extra.get(entity, 0) + len(self.store.existing_ids(entity, ids))
            return {
                e: (local.get(e, 0), server[e])
                for e in COUNTED
                if e in server and server[e] != local.get(e, 0) - extra.get(e, 0)
            }

        repair = tuple(e for e in COUNTED if e in differing())
        if repair:
            # one pass over every differing entity, in server order (parents before children; a child
            # whose parent comes later waits for it), never one request per entity: a record committed
            # between two requests would arrive before its parent
            self._pull(report, 0, repair, keep_cursor=True)
            report.repaired.extend(repair)
        report.mismatched = differing()
        if report.mismatched:
            log.warning("counts differ after sync (local, server): %s", report.mismatched)
        report.conflicts = max(report.conflicts, len(self.store.conflicts("open")))
