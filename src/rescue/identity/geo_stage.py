"""The geolocate stage: each distinct address the identifiers hold, located and classified.

One target, "all": an address seen on two forums is one lookup. The parameters carry the
database's name, date and digest and the digests of the hosting and Tor lists, so a newer
database or an edited list re-runs the stage. Every row names the database and date that
answered (see ``rescue.identity.geo`` for why). A value that is not an address is a reject.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from rescue.case import Case
from rescue.identity.geo import GeoSettings, GeoSource, geo_settings, parse_address
from rescue.identity.netkind import Classifier, TorExits, load_hosting_list, load_tor_exits
from rescue.stage import StageContext, fingerprint

BATCH = 20_000
OUTPUT = "ip_locations"
# Beyond this gap between when an address was seen and the database's date, its answer may
# describe another holder of the address: the run counts such addresses so an analyst knows.
STALE_AFTER = timedelta(days=365)

ADDRESSES = """
SELECT value, min(seen_at) AS first_seen, max(seen_at) AS last_seen
FROM identifiers WHERE kind = 'ip' AND value IS NOT NULL
GROUP BY value ORDER BY value
"""


class GeolocateStage:
    name: ClassVar[str] = "geolocate"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ("identifiers",)
    outputs: ClassVar[tuple[str, ...]] = (OUTPUT,)

    def targets(self, case: Case) -> list[str]:
        return ["all"] if "identifiers" in case.catalog.load().tables else []

    def params(self, case: Case, target: str) -> dict[str, Any]:
        settings = _settings(case)
        source = settings.open_source()
        hosting = load_hosting_list(settings.hosting_list)
        tor = _tor(settings)
        return {
            "source": settings.source,
            "database": source.name,
            "database_date": source.date,
            "database_sha256": source.digest,
            "hosting_list": hosting.name,
            "hosting_list_sha256": hosting.sha256,
            "tor_exit_list": tor.name if tor else None,
            "tor_exit_list_sha256": tor.sha256 if tor else None,
        }

    def input_fingerprint(self, case: Case, target: str) -> str:
        tables = case.catalog.load().tables
        return fingerprint(sorted(p.file for p in tables.get("identifiers", {}).values()))

    def run(self, ctx: StageContext) -> None:
        settings = _settings(ctx.case)
        source = settings.open_source()
        classifier = Classifier(load_hosting_list(settings.hosting_list), _tor(settings))
        engine = ctx.case.engine()
        try:
            table = engine.query(ADDRESSES)
        finally:
            engine.close()
        task = ctx.progress.task("Locating addresses", table.num_rows)
        locate = _Locate(ctx, source, classifier)
        for batch in table.to_batches(max_chunksize=BATCH):
            locate.batch(batch.to_pylist())
            task.advance(batch.num_rows)
        locate.finish()


def _settings(case: Case) -> GeoSettings:
    return geo_settings(case.settings("geo"), case.root)


def _tor(settings: GeoSettings) -> TorExits | None:
    return load_tor_exits(settings.tor_exit_list) if settings.tor_exit_list else None


class _Locate:
    def __init__(self, ctx: StageContext, source: GeoSource, classifier: Classifier) -> None:
        self.ctx = ctx
        self.source = source
        self.classifier = classifier
        self.writer = ctx.writer(OUTPUT)
        self.kinds: Counter[str] = Counter()
        self.countries: set[str] = set()
        self.stale = 0
        self.database_day = datetime.fromisoformat(source.date).replace(tzinfo=UTC)

    def batch(self, seen: list[dict[str, Any]]) -> None:
        good = [s for s in seen if self._is_address(s["value"])]
        rows = []
        for item, answer in zip(
            good, self.source.lookup_many(s["value"] for s in good), strict=True
        ):
            kind = self.classifier.classify(answer)
            self.kinds[kind.kind] += 1
            if answer.country:
                self.countries.add(answer.country)
            self.stale += self._far_from_database(item["first_seen"], item["last_seen"])
            rows.append(
                {
                    "source": "all",
                    "ip": answer.ip,
                    "country": answer.country,
                    "network": answer.network,
                    "asn_name": answer.asn_name,
                    "asn_network": answer.asn_network,
                    "network_kind": kind.kind,
                    "flag_reason": kind.reason,
                    "database": answer.database,
                    "database_date": answer.database_date,
                }
            )
        self.writer.write_rows(rows)

    def _is_address(self, value: str) -> bool:
        try:
            parse_address(value)
        except ValueError:
            self.ctx.reject(
                "not an ip address",
                f"identifier {value!r} of kind ip is not an IP address; it was not located",
                location=f"identifiers value {value!r}",
                table="identifiers",
                record=value,
            )
            return False
        return True

    def _far_from_database(self, first: datetime | None, last: datetime | None) -> bool:
        if first is None or last is None:
            return False
        return self.database_day - last > STALE_AFTER or first - self.database_day > STALE_AFTER

    def finish(self) -> None:
        self.ctx.counts.update(
            {
                "addresses": sum(self.kinds.values()),
                **{kind: self.kinds[kind] for kind in sorted(self.kinds)},
                "countries": len(self.countries),
                "database": self.source.name,
                "database_date": self.source.date,
                "seen_over_a_year_from_database_date": self.stale,
            }
        )
