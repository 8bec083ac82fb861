"""The extract stage: every identifier an account discloses, with where and when it was seen.

One target per forum source. Posts and messages are read in id-ordered batches (keyset
pagination) and their rows written as they come, so a million posts never sit in memory at
once; the small per-account tables are read whole.

Bans tie an address or e-mail to the banned account when the ban names one; a ban on an
address or e-mail alone is kept with no account, like a guest's session. A wildcard ban
("10.0.0.*", "*@spam.example") is a pattern, not an address: it is counted, not emitted, since
an identifier row shared by a whole range would link strangers the way a VPN exit does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

from rescue.case import Case
from rescue.engine.base import Engine
from rescue.identity import extract
from rescue.identity.extract import Found
from rescue.stage import StageContext, fingerprint

BATCH = 20_000
OUTPUT = "identifiers"

# (table, id expression, ip column, time column) of the tables that only record addresses.
_NETWORK: tuple[tuple[str, str, str, str], ...] = (
    ("sessions", "session_id", "ip", "last_seen_at"),
    ("session_keys", "key_id", "last_ip", "last_login_at"),
    ("login_attempts", "CAST(NULL AS VARCHAR)", "ip", "attempted_at"),
    ("logs", "CAST(log_id AS VARCHAR)", "ip", "logged_at"),
)
# (table, id column, ip column, time column) of the text-bearing tables read in batches.
_TEXTS: tuple[tuple[str, str, str, str], ...] = (
    ("posts", "post_id", "poster_ip", "posted_at"),
    ("messages", "msg_id", "author_ip", "sent_at"),
)


class ExtractStage:
    name: ClassVar[str] = "extract"
    version: ClassVar[str] = "3"  # 2: Jabber, bans, EIP-55; 3: meeting arrangements
    inputs: ClassVar[tuple[str, ...]] = (
        "accounts",
        "posts",
        "messages",
        "sessions",
        "session_keys",
        "login_attempts",
        "logs",
        "profile_values",
        "bans",
    )
    outputs: ClassVar[tuple[str, ...]] = (OUTPUT,)

    def targets(self, case: Case) -> list[str]:
        return sorted(case.catalog.load().tables.get("accounts", {}))

    def params(self, case: Case, target: str) -> dict[str, Any]:
        return {"batch": BATCH}

    def input_fingerprint(self, case: Case, target: str) -> str:
        tables = case.catalog.load().tables
        parts = {t: tables.get(t, {}).get(target) for t in self.inputs}
        return fingerprint({t: p.file if p else None for t, p in parts.items()})

    def run(self, ctx: StageContext) -> None:
        engine = ctx.case.engine()
        try:
            _Run(ctx, engine).all()
        finally:
            engine.close()


class _Run:
    def __init__(self, ctx: StageContext, engine: Engine) -> None:
        self.ctx = ctx
        self.engine = engine
        self.source = ctx.target
        self.available = set(engine.tables())
        self.writer = ctx.writer(OUTPUT)
        self.regions: dict[str, str | None] = {}  # account -> phone region from its e-mail
        self.known: set[str] = set()
        self.total = 0
        self.pending: list[dict[str, Any]] = []

    def all(self) -> None:
        self.accounts()
        for table, id_col, ip_col, time_col in _TEXTS:
            if table in self.available:
                self.texts(table, id_col, ip_col, time_col)
        for table, id_expr, ip_col, time_col in _NETWORK:
            if table in self.available:
                self.network(table, id_expr, ip_col, time_col)
        if "profile_values" in self.available:
            self.profile()
        if "bans" in self.available:
            self.bans()
        self.flush()
        self.ctx.counts["identifiers"] = self.total

    def query(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.engine.query(sql, params).to_pylist()
        return rows

    def emit(
        self,
        found: list[Found],
        account: str | None,
        seen_at: datetime | None,
        table: str,
        origin_id: str | None,
        field: str,
    ) -> None:
        self.pending.extend(
            {
                "source": self.source,
                "account_id": account,
                "kind": f.kind,
                "value": f.value,
                "raw": f.raw,
                "detail": f.detail,
                "seen_at": seen_at,
                "origin_table": table,
                "origin_id": origin_id,
                "field": field,
            }
            for f in found
        )
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        # Many small items make few rows each: buffer them so the writer gets real batches.
        self.writer.write_rows(self.pending)
        self.total += len(self.pending)
        self.pending = []

    def account_of(self, user_id: int | None) -> str | None:
        account = f"{self.source}:{user_id}" if user_id is not None else None
        return account if account in self.known else None

    def accounts(self) -> None:
        rows = self.query(
            "SELECT account_id, user_id, email, registration_ip, registered_at, signature, jabber "
            "FROM accounts WHERE source = ? ORDER BY user_id",
            [self.source],
        )
        for row in rows:
            account, origin = row["account_id"], str(row["user_id"])
            self.known.add(account)
            self.regions[account] = extract.email_region(row["email"])
            when = row["registered_at"]
            mail = extract.email(row["email"]) if row["email"] else None
            self.emit([mail] if mail else [], account, when, "accounts", origin, "email")
            address = extract.ip(row["registration_ip"])
            self.emit(
                [address] if address else [], account, when, "accounts", origin, "registration_ip"
            )
            found = extract.from_text(row["signature"], self.regions[account])
            self.emit(found, account, None, "accounts", origin, "signature")
            if row["jabber"] and row["jabber"].strip():
                self.jabber(account, origin, row["jabber"])
        self.ctx.counts["accounts"] = len(rows)

    def jabber(self, account: str, origin: str, raw: str) -> None:
        handle = extract.jabber(raw)
        if handle:
            self.emit([handle], account, None, "accounts", origin, "jabber")
            return
        # phpBB checks the field only on some versions: a bad one is shown, not lost silently.
        self.ctx.reject(
            "invalid jabber address",
            f"account {account}: jabber field {raw!r} is not a user@domain address; "
            "not kept as a handle",
            location=f"accounts user_id {origin}",
            table="accounts",
            record=raw,
        )

    def texts(self, table: str, id_col: str, ip_col: str, time_col: str) -> None:
        count = 0
        for row in self._batches(table, id_col, ip_col, time_col):
            count += 1
            account, origin, when = row["account_id"], str(row[id_col]), row[time_col]
            address = extract.ip(row[ip_col])
            self.emit([address] if address else [], account, when, table, origin, ip_col)
            listed = [u for u in row["urls"] or () if u]
            found = extract.from_text(row["text"], self.regions.get(account), listed)
            found.extend(f for e in row["emails"] or () if e and (f := extract.email(e)))
            self.emit(_unique(found), account, when, table, origin, "text")
        self.ctx.counts[table] = count

    def _batches(
        self, table: str, id_col: str, ip_col: str, time_col: str
    ) -> Iterator[dict[str, Any]]:
        last = None
        while True:
            after = "" if last is None else f" AND {id_col} > ?"
            rows = self.query(
                f"SELECT {id_col}, account_id, {ip_col}, {time_col}, text, urls, emails "
                f"FROM {table} WHERE source = ?{after} ORDER BY {id_col} LIMIT {BATCH}",
                [self.source] if last is None else [self.source, last],
            )
            yield from rows
            if len(rows) < BATCH:
                return
            last = rows[-1][id_col]

    def network(self, table: str, id_expr: str, ip_col: str, time_col: str) -> None:
        rows = self.query(
            f"SELECT {id_expr} AS origin_id, user_id, {ip_col} AS ip, {time_col} AS seen_at "
            f"FROM {table} WHERE source = ? AND {ip_col} IS NOT NULL",
            [self.source],
        )
        for row in rows:
            address = extract.ip(row["ip"])
            if address:
                account = self.account_of(row["user_id"])
                self.emit([address], account, row["seen_at"], table, row["origin_id"], ip_col)

    def profile(self) -> None:
        rows = self.query(
            "SELECT user_id, field, value FROM profile_values WHERE source = ? "
            "ORDER BY user_id, field",
            [self.source],
        )
        for row in rows:
            account, value, field = (
                self.account_of(row["user_id"]),
                row["value"] or "",
                row["field"],
            )
            # phpBB names its own fields "phpbb_location"; boards add plain "location".
            name = field.removeprefix("phpbb_")
            found: list[Found]
            if name == "location":
                hit = extract.location_field(value)
                found = [hit] if hit else list(extract.locations(value))
            elif name == "occupation":
                job = extract.occupation_field(value)
                found = [job] if job else []
            else:
                found = extract.from_text(value, self.regions.get(account or ""))
            self.emit(found, account, None, "profile_values", str(row["user_id"]), name)

    def bans(self) -> None:
        rows = self.query(
            "SELECT ban_id, user_id, ip, email, started_at FROM bans WHERE source = ? "
            "ORDER BY ban_id",
            [self.source],
        )
        wildcards = 0
        for row in rows:
            account, origin, when = (
                self.account_of(row["user_id"]),
                str(row["ban_id"]),
                row["started_at"],
            )
            for field, raw, parse in (
                ("ban_ip", row["ip"], extract.ip),
                ("ban_email", row["email"], extract.email),
            ):
                if not raw or not raw.strip():
                    continue
                if "*" in raw:
                    wildcards += 1
                    continue
                found = parse(raw)
                if found:
                    self.emit([found], account, when, "bans", origin, field)
                else:
                    self.ctx.reject(
                        f"invalid {field}",
                        f"ban {origin}: {field} {raw!r} is neither an address nor a wildcard",
                        location=f"bans ban_id {origin}",
                        table="bans",
                        record=raw,
                    )
        self.ctx.counts["bans"] = len(rows)
        self.ctx.counts["ban_wildcards"] = wildcards


def _unique(found: list[Found]) -> list[Found]:
    """One row per identifier per item: the same address twice in a post says nothing more."""
    seen: set[tuple[str, str]] = set()
    out = []
    for f in found:
        if (f.kind, f.value) not in seen:
            seen.add((f.kind, f.value))
            out.append(f)
    return out
