"""The account model: which features of two forum accounts say they are one person, and how.

Each comparison has levels from "identical" down to "different"; Splink learns how much each
level is worth from the data itself (m and u probabilities), so the weights adapt to a board
where, say, birthdays are rarely filled in. The levels encode forum knowledge:

- usernames are compared without separators and case, then on their letters with nearby
  digits ("tom_fox71" / "TomFox72"), then on letters alone, then by Jaro-Winkler similarity;
- the address comparison ranks the same registration address above sharing two or more
  home addresses in the same month (overlap in time), above one, above one at any time;
- hard identifiers (crypto address, PGP key, messenger handle, phone) are not scored: two
  accounts sharing one are linked outright by the link stage, and only blocked on here.

Blocking: only pairs that share at least one of these things are scored, which keeps 100,000
accounts to a few million comparisons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rescue.identity.linkage import LinkSpec

if TYPE_CHECKING:
    from splink.internals.comparison_creator import ComparisonCreator


@dataclass(frozen=True)
class ModelParams:
    threshold_probability: float = 0.9
    deterministic_recall: float = 0.6


def _username() -> ComparisonCreator:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    letters_close = (
        "username_letters_l = username_letters_r AND "
        "(username_digits_l IS NULL AND username_digits_r IS NULL OR "
        "abs(TRY_CAST(username_digits_l AS BIGINT) - TRY_CAST(username_digits_r AS BIGINT)) <= 10)"
    )
    return cl.CustomComparison(
        output_column_name="username",
        comparison_levels=[
            cll.NullLevel("username_compact"),
            cll.ExactMatchLevel("username_compact"),
            cll.CustomLevel(letters_close, label_for_charts="same letters, digits within 10"),
            cll.ExactMatchLevel("username_letters").configure(
                tf_adjustment_column="username_letters"
            ),
            cll.JaroWinklerLevel("username_compact", 0.9),
            cll.ElseLevel(),
        ],
    )


def _locale() -> ComparisonCreator:
    """Time zone and interface language in one comparison: both say "which country", so
    scoring them apart would count one fact twice."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name="locale",
        comparison_levels=[
            cll.And(cll.NullLevel("timezone"), cll.NullLevel("lang")),
            cll.And(cll.ExactMatchLevel("timezone"), cll.ExactMatchLevel("lang")).configure(
                label_for_charts="same time zone and language"
            ),
            cll.ExactMatchLevel("timezone").configure(label_for_charts="same time zone"),
            cll.ExactMatchLevel("lang").configure(label_for_charts="same language"),
            cll.ElseLevel(),
        ],
    )


def _rhythm() -> ComparisonCreator:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def within(hours: float) -> str:
        gap = "abs(active_hour_l - active_hour_r)"
        return f"least({gap}, 24 - {gap}) <= {hours}"

    return cl.CustomComparison(
        output_column_name="rhythm",
        comparison_levels=[
            cll.NullLevel("active_hour"),
            cll.CustomLevel(within(0.75), label_for_charts="active hours within 45 minutes"),
            cll.CustomLevel(within(2), label_for_charts="active hours within 2 hours"),
            cll.ElseLevel(),
        ],
    )


def _addresses() -> ComparisonCreator:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def shared(column: str, n: int) -> str:
        return f"len(list_intersect({column}_l, {column}_r)) >= {n}"

    return cl.CustomComparison(
        output_column_name="addresses",
        comparison_levels=[
            cll.CustomLevel(
                "len(ips_l) = 0 OR len(ips_r) = 0", label_for_charts="no address"
            ).configure(is_null_level=True),
            cll.CustomLevel(
                "registration_ip_l = registration_ip_r",
                label_for_charts="same registration address",
            ),
            cll.CustomLevel(shared("ip_periods", 2), label_for_charts="2+ addresses, same months"),
            cll.CustomLevel(shared("ip_periods", 1), label_for_charts="1 address, same month"),
            cll.CustomLevel(shared("ips", 1), label_for_charts="1+ addresses, other times"),
            cll.CustomLevel(shared("networks", 1), label_for_charts="same provider /20 network"),
            cll.ElseLevel(),
        ],
    )


def account_spec(params: ModelParams | None = None) -> LinkSpec:
    import splink.comparison_library as cl
    from splink import block_on

    params = params or ModelParams()
    return LinkSpec(
        comparisons=[
            _username(),
            cl.ExactMatch("email_local").configure(term_frequency_adjustments=True),
            _addresses(),
            cl.ExactMatch("signature"),
            cl.ExactMatch("avatar_sha256"),
            cl.ExactMatch("birthday"),
            _locale(),
            _rhythm(),
            cl.ArrayIntersectAtSizes("forums", [2, 1]),
            cl.ArrayIntersectAtSizes("correspondents", [3, 2, 1]),
        ],
        blocking_rules=[
            block_on("email_local"),
            block_on("username_compact"),
            block_on("username_letters", "lang"),
            block_on("signature"),
            block_on("avatar_sha256"),
            block_on("birthday"),
            block_on("registration_ip"),
            block_on("ips", arrays_to_explode=["ips"]),
            block_on("hard_ids", arrays_to_explode=["hard_ids"]),
        ],
        training_rules=[
            block_on("email_local"),
            block_on("username_letters"),
            block_on("registration_ip"),
        ],
        deterministic_rules=[
            block_on("hard_ids", arrays_to_explode=["hard_ids"]),
            block_on("email_local", "username_letters"),
            block_on("signature", "birthday"),
        ],
        deterministic_recall=params.deterministic_recall,
        threshold_probability=params.threshold_probability,
    )


def model_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    """A trained Splink model as table rows an analyst can read: level, m, u, weight."""
    prior = float(model["probability_two_random_records_match"])
    rows: list[dict[str, Any]] = [
        {
            "comparison": "(prior)",
            "level": "two accounts picked at random are one person",
            "condition": None,
            "m_probability": prior,
            "u_probability": 1 - prior,
            "match_weight": math.log2(prior / (1 - prior)),
        }
    ]
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            rows.append(
                {
                    "comparison": comparison["output_column_name"],
                    "level": level["label_for_charts"],
                    "condition": level["sql_condition"],
                    "m_probability": m,
                    "u_probability": u,
                    "match_weight": math.log2(m / u) if m and u else None,
                }
            )
    return rows
