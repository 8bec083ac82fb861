"""Time to removal as a survival question: how long does reported material stay online?

Averaging the removal times of the URLs already removed flatters slow providers: their URLs
still online are left out, and those are exactly the long ones. Each URL still online instead
counts as *censored*: online for at least as long as it has been so far. The Kaplan-Meier
estimator (lifelines' ``KaplanMeierFitter``) uses both: at each removal time t_i, with n_i URLs
still online just before and d_i removed at t_i, the share still online is
S(t) = product over t_i <= t of (1 - d_i / n_i). From S:

- the median time to removal: the first time S falls to 0.5 or below (None: not reached yet);
- the 90th percentile: the first time S falls to 0.1 or below, the slow tail;
- the share removed within 24 hours, 3 days, 7 days: 1 - S(t).

``naive_mean_hours`` is the mean over removed URLs only, shown beside the estimate so the bias
can be seen, not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

HORIZONS = (("24h", 24.0), ("3d", 72.0), ("7d", 168.0))


@dataclass(frozen=True)
class RemovalFigures:
    n: int  # URLs measured
    removed: int  # removal observed
    censored: int  # still online: counted as censored at their current age
    median_hours: float | None  # Kaplan-Meier; None when S has not fallen to 0.5
    p90_hours: float | None  # Kaplan-Meier; None when S has not fallen to 0.1
    within: dict[str, float | None]  # "24h", "3d", "7d" -> share removed by then (KM)
    naive_mean_hours: float | None  # over removed URLs only: biased low, for comparison
    curve: tuple[tuple[float, float], ...]  # (hours, share still online), a step function

    def as_dict(self, with_curve: bool = False) -> dict[str, Any]:
        doc = asdict(self)
        if not with_curve:
            doc.pop("curve")
        else:
            doc["curve"] = [list(point) for point in self.curve]
        return doc


# S is a product of fractions: 5/6 * 4/5 * 3/4 comes out a hair above 0.5 in floating point,
# and the median must not jump to the next removal over a rounding error.
_EPSILON = 1e-9


def first_at_or_below(curve: Sequence[tuple[float, float]], share: float) -> float | None:
    """The first time the share still online is ``share`` or less; None if it never is."""
    return next((t for t, s in curve if s <= share + _EPSILON), None)


def kaplan_meier(hours: Sequence[float], removed: Sequence[bool]) -> RemovalFigures:
    """Removal figures of URLs online for ``hours`` each, ``removed`` or still online."""
    if len(hours) != len(removed):
        raise ValueError(f"{len(hours)} durations but {len(removed)} flags")
    n, observed = len(hours), sum(bool(r) for r in removed)
    done = [h for h, r in zip(hours, removed, strict=True) if r]
    naive = round(sum(done) / len(done), 3) if done else None
    if n == 0:
        return RemovalFigures(0, 0, 0, None, None, {k: None for k, _ in HORIZONS}, None, ())
    from lifelines import KaplanMeierFitter  # type: ignore[import-untyped]

    fitter = KaplanMeierFitter().fit(
        [max(0.0, float(h)) for h in hours], [bool(r) for r in removed]
    )
    survival = fitter.survival_function_
    column = survival.columns[0]
    curve = tuple(
        (round(float(t), 3), round(float(s), 6))
        for t, s in zip(survival.index, survival[column], strict=True)
    )
    within: dict[str, float | None] = {
        key: round(1.0 - float(fitter.predict(limit)), 6) for key, limit in HORIZONS
    }
    return RemovalFigures(
        n=n,
        removed=observed,
        censored=n - observed,
        median_hours=first_at_or_below(curve, 0.5),
        p90_hours=first_at_or_below(curve, 0.1),
        within=within,
        naive_mean_hours=naive,
        curve=curve,
    )
