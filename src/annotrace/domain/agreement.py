"""Inter-annotator agreement over one label: percent agreement, Cohen's kappa, Krippendorff's alpha.

`ratings[item][annotator]` is the value an annotator gave an item. Only items with values from
two or more annotators can show agreement or disagreement, so the others are left out of every
figure.

Percent agreement is, per item, the share of ordered pairs of its values that are equal, averaged
over the items. It ignores chance: two annotators who both answer "yes" nine times in ten agree
often by luck alone.

Cohen's kappa corrects one pair of annotators for chance, from their own marginal distributions:
kappa = (p_o - p_e) / (1 - p_e), p_o the observed share of equal values over the items both rated,
p_e the share expected if each had drawn their values independently. It is unweighted: the
categories are the distinct values seen, compared by equality, at both levels.

Krippendorff's alpha takes any number of annotators and missing values, and a distance between
values fitting the level of measurement: alpha = 1 - D_o / D_e, the observed disagreement within
items over the disagreement expected from all pairable values pooled. With n_u values in item u,
n values in all and delta(c, k) the distance (nominal: 0 if c == k else 1; interval: (c - k)^2),
following Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", University of
Pennsylvania, https://repository.upenn.edu/asc_papers/43:

    D_o = 1/n * sum over items u of (sum of delta over ordered pairs of u's values) / (n_u - 1)
    D_e = 1/(n (n - 1)) * (sum of delta over ordered pairs of all values)

which is his coincidence-matrix formulation with the matrix summed away, and what the
`krippendorff` package computes. alpha = 1 is perfect agreement, 0 agreement at chance level.

A measure is None where it is undefined: there are no items, or chance alone would agree
perfectly (one value used throughout, so p_e = 1 or D_e = 0) and the 0/0 has no answer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal, TypeVar, cast

Level = Literal["nominal", "interval"]
Value = str | float | bool | tuple[str, ...]  # hashable; multi-choice values are sorted tuples
# A type variable, not Hashable itself: Mapping is invariant in its keys, so a plain
# dict[str, ...] would not type-check as a Mapping[Hashable, ...].
Item = TypeVar("Item", bound=Hashable)


@dataclass(frozen=True, slots=True)
class PairAgreement:
    first: str  # annotator ids, first < second
    second: str
    items: int  # items both rated
    percent_agreement: float | None  # share of those items with equal values
    cohen_kappa: float | None


@dataclass(frozen=True, slots=True)
class Agreement:
    level: Level
    items: int  # items with values from two or more annotators: the items used
    annotators: int  # distinct annotators among the items used
    values: int  # values in the items used: the pairable values
    percent_agreement: float | None  # per item, share of ordered pairs equal; then the mean
    cohen_kappa: float | None  # only with exactly two annotators
    krippendorff_alpha: float | None
    pairs: tuple[PairAgreement, ...]  # pairs with a common item, sorted by (first, second)


@dataclass(slots=True)
class _PairCounts:
    items: int = 0
    agreed: int = 0
    first: Counter[Value] = field(default_factory=Counter)
    second: Counter[Value] = field(default_factory=Counter)


def agreement(ratings: Mapping[Item, Mapping[str, Value]], level: Level) -> Agreement:
    """ratings[item][annotator] = value. Items with fewer than two values are left out."""
    if level not in ("nominal", "interval"):
        raise ValueError(f"level must be 'nominal' or 'interval', not {level!r}")
    used: list[Mapping[str, Value]] = []
    for item, by_annotator in ratings.items():
        if level == "interval":
            # Checked on every item, used or not, so bad data shows up whatever else is there.
            by_annotator = {a: _number(item, a, v) for a, v in by_annotator.items()}
        if len(by_annotator) >= 2:
            used.append(by_annotator)

    pooled: list[Value] = []
    agreeing_shares: list[float] = []
    within = 0.0  # sum over items of their pairs' disagreement / (n_u - 1)
    pair_counts: dict[tuple[str, str], _PairCounts] = {}
    for by_annotator in used:
        values = list(by_annotator.values())
        n_u = len(values)
        pooled.extend(values)
        equal_pairs = sum(c * (c - 1) for c in Counter(values).values())
        agreeing_shares.append(equal_pairs / (n_u * (n_u - 1)))
        within += _disagreement(values, level) / (n_u - 1)
        for a, b in combinations(sorted(by_annotator), 2):
            counts = pair_counts.setdefault((a, b), _PairCounts())
            counts.items += 1
            counts.agreed += by_annotator[a] == by_annotator[b]
            counts.first[by_annotator[a]] += 1
            counts.second[by_annotator[b]] += 1

    n = len(pooled)
    alpha: float | None = None
    # One distinct value means D_e = 0; tested on the values because a float sum of squared
    # deviations from a rounded mean need not come out exactly 0.
    if len(set(pooled)) >= 2:
        alpha = 1 - (n - 1) * within / _disagreement(pooled, level)

    pairs = tuple(
        PairAgreement(
            first=a,
            second=b,
            items=c.items,
            percent_agreement=c.agreed / c.items if c.items else None,
            cohen_kappa=_kappa(c),
        )
        for (a, b), c in sorted(pair_counts.items())
    )
    annotators = {a for by_annotator in used for a in by_annotator}
    return Agreement(
        level=level,
        items=len(used),
        annotators=len(annotators),
        values=n,
        percent_agreement=math.fsum(agreeing_shares) / len(used) if used else None,
        # With two annotators every item used has both, so their pair covers all of it.
        cohen_kappa=pairs[0].cohen_kappa if len(annotators) == 2 else None,
        krippendorff_alpha=alpha,
        pairs=pairs,
    )


def _number(item: Hashable, annotator: str, value: object) -> float:
    # bool is an int to Python, but a thumbs-up is not the number 1.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(
            f"interval agreement needs numbers: item {item!r}, annotator {annotator!r} "
            f"gave {value!r}"
        )
    if not math.isfinite(value):
        raise ValueError(
            f"interval agreement needs finite numbers: item {item!r}, annotator {annotator!r} "
            f"gave {value!r}"
        )
    return float(value)


def _disagreement(values: list[Value], level: Level) -> float:
    """The sum of the distance over all ordered pairs of `values`, in O(len(values))."""
    m = len(values)
    if level == "nominal":
        # m^2 ordered pairs (self-pairs included, at distance 0), less the equal ones.
        return float(m * m - sum(c * c for c in Counter(values).values()))
    # sum over i, j of (x_i - x_j)^2 = 2 m * sum of (x_i - mean)^2; the deviations keep the
    # precision that the raw sums of squares lose to cancellation on large, close values.
    # agreement() has made every interval value a float already.
    numbers = cast("list[float]", values)
    mean = math.fsum(numbers) / m
    return 2 * m * math.fsum((x - mean) ** 2 for x in numbers)


def _kappa(c: _PairCounts) -> float | None:
    # kappa = (p_o - p_e) / (1 - p_e), both shares multiplied by n^2 to stay in integers, so
    # the undefined case, p_e = 1 (or no items), is an exact test.
    chance = sum(count * c.second[value] for value, count in c.first.items())
    denominator = c.items * c.items - chance
    if denominator == 0:
        return None
    return (c.items * c.agreed - chance) / denominator
