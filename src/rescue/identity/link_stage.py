"""The link stage: accounts become persons, and every link says why.

Three kinds of link, strongest first: an analyst's "same" ruling; a hard identifier two
accounts share (the same e-mail address, crypto address, PGP fingerprint, messenger handle or
phone number, not mentioned by more than a few accounts); and the Splink model's scored pairs
(``rescue.identity.link_model``). ``rescue.identity.link_clusters`` turns them into persons
while honouring "different" rulings. Shared VPN, Tor and hosting addresses never link: the
features leave them out before anything is compared.

Outputs: ``persons``, ``person_accounts`` and ``account_links`` (every scored pair above a
floor, every forced pair, with its weight, the features behind it and whether it was used).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from rescue.case import Case
from rescue.errors import CaseError
from rescue.identity.decisions import Ruling, current_rulings
from rescue.identity.link_clusters import Clustering, Link, cluster
from rescue.identity.link_features import FeatureParams, account_features
from rescue.identity.link_model import ModelParams, account_spec, model_rows
from rescue.stage import StageContext, fingerprint

# Pairs the model scores below this are not worth keeping, even as rejected candidates.
KEEP_FLOOR = 0.05
INPUTS = ("accounts", "identifiers", "ip_locations", "files", "board_config")
HARD_LABELS = {"btc": "bitcoin address", "eth": "ethereum address", "xmr": "monero address",
               "pgp": "PGP fingerprint", "handle": "messenger handle", "phone": "phone number",
               "email": "e-mail address"}  # fmt: skip


class LinkStage:
    name: ClassVar[str] = "link"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = INPUTS
    outputs: ClassVar[tuple[str, ...]] = (
        "persons",
        "person_accounts",
        "account_links",
        "link_model",
    )

    def targets(self, case: Case) -> list[str]:
        return ["all"] if "identifiers" in case.catalog.load().tables else []

    def params(self, case: Case, target: str) -> dict[str, Any]:
        settings = case.settings("link")
        known = _fields(ModelParams) | _fields(FeatureParams)
        if unknown := set(settings) - known:
            raise CaseError(
                f"unknown [link] settings in case.toml: {', '.join(sorted(unknown))}",
                f"the settings are: {', '.join(sorted(known))}",
            )
        model = ModelParams(**{k: v for k, v in settings.items() if k in _fields(ModelParams)})
        features = FeatureParams(
            **{k: v for k, v in settings.items() if k in _fields(FeatureParams)}
        )
        if not 0 < model.threshold_probability < 1:
            raise CaseError(
                f"[link] threshold_probability = {model.threshold_probability} is not in (0, 1)"
            )
        return {"model": vars(model), "features": vars(features)}

    def input_fingerprint(self, case: Case, target: str) -> str:
        tables = case.catalog.load().tables
        rulings = [
            (r.account_a, r.account_b, r.decision, r.decided_at.isoformat())
            for r in current_rulings(case)
        ]
        return fingerprint(
            {t: sorted(p.file for p in tables.get(t, {}).values()) for t in self.inputs},
            rulings,
        )

    def run(self, ctx: StageContext) -> None:
        model = ModelParams(**ctx.params["model"])
        engine = ctx.case.engine()
        try:
            features = account_features(engine, FeatureParams(**ctx.params["features"]))
        finally:
            engine.close()
        task = ctx.progress.task("linking accounts", total=4)
        rulings = current_rulings(ctx.case)
        links, details = _hard_links(features)
        task.advance()
        scored, explain = _model_links(features, model, ctx)
        task.advance()
        links += scored
        links += [
            Link(r.account_a, r.account_b, "analyst", 1.0) for r in rulings if r.decision == "same"
        ]
        different = [(r.account_a, r.account_b) for r in rulings if r.decision == "different"]
        accounts = features.column("unique_id").to_pylist()
        result = cluster(accounts, links, different, model.threshold_probability)
        task.advance()
        _write(ctx, features, result, links, details, explain, rulings)
        task.advance()


def _fields(cls: type) -> set[str]:
    return set(cls.__dataclass_fields__)  # type: ignore[attr-defined]


def _hard_links(features: pa.Table) -> tuple[list[Link], dict[tuple[str, str], list[str]]]:
    """Pairs sharing a hard identifier, with the identifiers as their reason."""
    holders: dict[str, list[str]] = defaultdict(list)
    for row in features.select(["unique_id", "email", "hard_ids"]).to_pylist():
        if row["email"]:
            holders[f"email:{row['email'].lower()}"].append(row["unique_id"])
        for value in row["hard_ids"] or ():
            holders[value].append(row["unique_id"])
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for value, accounts in holders.items():
        ordered = sorted(set(accounts))
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                shared[(a, b)].append(value)
    links = [Link(a, b, "deterministic", 1.0) for a, b in shared]
    return links, shared


def _model_links(
    features: pa.Table, model: ModelParams, ctx: StageContext
) -> tuple[list[Link], dict[tuple[str, str], tuple[float, float, dict[str, Any]]]]:
    if features.num_rows < 3:  # nothing to train on: hard identifiers and rulings only
        ctx.counts["model"] = "not trained: fewer than 3 accounts"
        return [], {}
    from rescue.identity.linkage import NotTrainedError, score_pairs

    try:
        scored = score_pairs(features, account_spec(model))
    except NotTrainedError as exc:
        # A handful of accounts cannot teach a model; hard identifiers and rulings still link.
        ctx.counts["model"] = f"not trained: {exc}"
        ctx.reject("model not trained", str(exc), location="link model", action="noted")
        return [], {}
    ctx.counts["prior_match_probability"] = scored.model["probability_two_random_records_match"]
    ctx.counts["pairs_scored"] = scored.pairs.num_rows
    ctx.writer("link_model").write_rows(
        [{"source": ctx.target, **row} for row in model_rows(scored.model)]
    )
    if scored.warnings:
        ctx.counts["model_warnings"] = scored.warnings
    links: list[Link] = []
    explain: dict[tuple[str, str], tuple[float, float, dict[str, Any]]] = {}
    kept = scored.pairs.filter(pc.field("match_probability") >= KEEP_FLOOR)
    for row in kept.to_pylist():
        probability = float(row["match_probability"])
        a, b = sorted((row["unique_id_l"], row["unique_id_r"]))
        links.append(Link(a, b, "model", probability))
        explain[(a, b)] = (float(row["match_weight"]), probability, scored.explain(row))
    return links, explain


def _reason(features: dict[str, Any]) -> str:
    shared = [f"{name}: {item['level']}" for name, item in features.items() if item["weight"] > 0]
    return "; ".join(shared) or "nothing in common above chance"


def _link_rows(
    result: Clustering,
    links: list[Link],
    hard: dict[tuple[str, str], list[str]],
    explain: dict[tuple[str, str], tuple[float, float, dict[str, Any]]],
    rulings: list[Ruling],
) -> Iterator[dict[str, Any]]:
    by_pair = {(r.account_a, r.account_b): r for r in rulings}
    for link in links:
        pair = (link.a, link.b)
        weight, probability, features = explain.get(pair, (None, link.probability, {}))
        if link.method == "deterministic":
            kinds = [HARD_LABELS.get(v.split(":", 1)[0], v) for v in hard[pair]]
            reason = "same " + ", same ".join(sorted(set(kinds)))
            # The model's view of the pair, when it scored it, stays beside the rule's.
            features = {"hard_identifiers": hard[pair], **features}
        elif link.method == "analyst":
            ruling = by_pair[pair]
            reason = f"ruled the same person by {ruling.analyst}: {ruling.reason}"
        else:
            reason = _reason(features)
        yield {
            "account_a": link.a,
            "account_b": link.b,
            "match_weight": weight,
            "match_probability": probability,
            "method": link.method,
            "accepted": pair in result.accepted,
            "reason": reason,
            "features": json.dumps(features, sort_keys=True),
        }


def _write(
    ctx: StageContext,
    features: pa.Table,
    result: Clustering,
    links: list[Link],
    hard: dict[tuple[str, str], list[str]],
    explain: dict[tuple[str, str], tuple[float, float, dict[str, Any]]],
    rulings: list[Ruling],
) -> None:
    source = ctx.target
    usernames = dict(zip(features.column("unique_id").to_pylist(),
                         features.column("username").to_pylist(), strict=True))  # fmt: skip
    members: dict[str, list[str]] = defaultdict(list)
    for account, person in result.person_of.items():
        members[person].append(account)
    methods: dict[str, set[str]] = defaultdict(set)
    for link in links:
        if (link.a, link.b) in result.accepted:
            methods[result.person_of[link.a]].add(link.method)
    persons: list[dict[str, Any]] = []
    for person in sorted(members):
        accounts = sorted(members[person])
        persons.append(
            {
                "source": source,
                "person_id": person,
                "accounts": accounts,
                "usernames": [usernames[a] for a in accounts],
                "n_accounts": len(accounts),
                "linked_by": sorted(methods.get(person, ())),
            }
        )
    ctx.writer("persons").write_rows(persons)
    ctx.writer("person_accounts").write_rows(
        [{"source": source, "person_id": p, "account_id": a} for a, p in result.person_of.items()]
    )
    link_rows = [
        {"source": source, **row} for row in _link_rows(result, links, hard, explain, rulings)
    ]
    ctx.writer("account_links").write_rows(link_rows)
    for pair in sorted(result.refused):
        ctx.reject(
            "link refused by ruling",
            f"accounts {pair[0]} and {pair[1]} would be one person, but an analyst ruled "
            "two of their accounts different persons",
            location=f"{pair[0]} ~ {pair[1]}",
            action="noted",
        )
    ctx.counts.update(
        {
            "accounts": len(result.person_of),
            "persons": len(persons),
            "multi_account_persons": sum(1 for p in persons if p["n_accounts"] > 1),
            "links_accepted": len(result.accepted),
            "deterministic_links": sum(1 for k in links if k.method == "deterministic"),
            "rulings_applied": len(rulings),
        }
    )
