"""Agreement figures checked against the reference implementations, `krippendorff` and
scikit-learn, on seeded random data, and against hand-worked cases.

Where a measure is undefined (no items, or only one value used throughout) the references
give nan (scikit-learn's kappa, with an UndefinedMetricWarning; `krippendorff` when the only
other value is in an item nobody else rated) or refuse (`krippendorff` raises ValueError for a
single value or no pairable item); `agreement` gives None for all of these.
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Hashable, Mapping, Sequence
from itertools import combinations, permutations
from typing import Any

import krippendorff
import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning  # type: ignore[import-untyped]
from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]

from annotrace.domain.agreement import Agreement, Level, PairAgreement, Value, agreement

Ratings = Mapping[Any, Mapping[str, Value]]


def approx(expected: float | None) -> Any:
    # None (undefined) must be met by None, not by a number.
    return None if expected is None else pytest.approx(expected, rel=1e-9, abs=1e-9)


# The references, fed codes for the values so that strings, bools and tuples all fit a float
# matrix, with nan for a missing value.


def _codes(values: list[Value], level: Level) -> list[float]:
    if level == "interval":
        return [float(v) for v in values]  # type: ignore[arg-type]
    index: dict[Value, int] = {}
    return [float(index.setdefault(v, len(index))) for v in values]


def reference_alpha(ratings: Ratings, level: Level) -> float | None:
    annotators = sorted({a for by_annotator in ratings.values() for a in by_annotator})
    items = list(ratings)
    cells = [(i, a) for i in items for a in annotators if a in ratings[i]]
    coded = dict(zip(cells, _codes([ratings[i][a] for i, a in cells], level), strict=True))
    matrix = [[coded.get((i, a), np.nan) for i in items] for a in annotators]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # its 0/0, for an undefined alpha
            alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))
    except ValueError:  # one value in the domain, or no item with two values
        return None
    return None if math.isnan(alpha) else alpha


def reference_kappa(first: list[Value], second: list[Value]) -> float | None:
    codes = _codes(first + second, "nominal")
    with warnings.catch_warnings():
        # Its warnings for a single label, where kappa is undefined.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", UserWarning)
        kappa = float(cohen_kappa_score(codes[: len(first)], codes[len(first) :]))
    return None if math.isnan(kappa) else kappa


def common(ratings: Ratings, a: str, b: str) -> tuple[list[Value], list[Value]]:
    both = [r for r in ratings.values() if a in r and b in r]
    return [r[a] for r in both], [r[b] for r in both]


def reference_percent(ratings: Ratings) -> float | None:
    shares = []
    for by_annotator in ratings.values():
        values = list(by_annotator.values())
        if len(values) >= 2:
            pairs = list(permutations(values, 2))
            shares.append(sum(x == y for x, y in pairs) / len(pairs))
    return sum(shares) / len(shares) if shares else None


def check_against_references(ratings: Ratings, level: Level) -> Agreement:
    result = agreement(ratings, level)
    used = [r for r in ratings.values() if len(r) >= 2]
    annotators = sorted({a for r in used for a in r})
    assert result.level == level
    assert result.items == len(used)
    assert result.annotators == len(annotators)
    assert result.values == sum(len(r) for r in used)
    assert result.percent_agreement == approx(reference_percent(ratings))
    assert result.krippendorff_alpha == approx(reference_alpha(ratings, level))

    expected_pairs = [(a, b) for a, b in combinations(annotators, 2) if common(ratings, a, b)[0]]
    assert [(p.first, p.second) for p in result.pairs] == expected_pairs
    for pair in result.pairs:
        first, second = common(ratings, pair.first, pair.second)
        assert pair.items == len(first)
        agreed = sum(x == y for x, y in zip(first, second, strict=True))
        assert pair.percent_agreement == approx(agreed / len(first))
        assert pair.cohen_kappa == approx(reference_kappa(first, second))
    if len(annotators) == 2:
        assert result.cohen_kappa == approx(reference_kappa(*common(ratings, *annotators)))
    else:
        assert result.cohen_kappa is None
    return result


# Random data: each item has a "true" value that each annotator, when they rate the item at
# all, gives with some probability, and otherwise a value at random.


def random_ratings(
    rng: random.Random, values: list[Value], noise: float
) -> dict[int, dict[str, Value]]:
    annotators = [f"ann-{k}" for k in rng.sample(range(10), rng.randint(2, 5))]
    missing = rng.uniform(0.0, 0.4)
    ratings: dict[int, dict[str, Value]] = {}
    for item in range(rng.randint(20, 300)):
        truth = rng.choice(values)
        ratings[item] = {
            a: truth if rng.random() > noise else rng.choice(values)
            for a in annotators
            if rng.random() > missing
        }
    return ratings


@pytest.mark.parametrize("seed", range(20))
def test_nominal_random(seed: int) -> None:
    rng = random.Random(seed)
    categories: list[Value] = [f"cat-{k}" for k in range(rng.randint(3, 6))]
    check_against_references(random_ratings(rng, categories, rng.uniform(0.1, 0.9)), "nominal")


@pytest.mark.parametrize("seed", range(10))
def test_interval_random_stars(seed: int) -> None:
    rng = random.Random(1000 + seed)
    stars: list[Value] = [1, 2, 3, 4, 5]
    ratings = random_ratings(rng, stars, rng.uniform(0.1, 0.9))
    check_against_references(ratings, "interval")
    # The same stars as nominal categories.
    check_against_references(ratings, "nominal")


@pytest.mark.parametrize("seed", range(10))
def test_interval_random_floats(seed: int) -> None:
    rng = random.Random(2000 + seed)
    ratings = random_ratings(rng, [0.0], 1.0)  # overwritten just below, keeping the gaps
    for by_annotator in ratings.values():
        centre = rng.uniform(-5, 5)
        for a in by_annotator:
            # One decimal: `krippendorff` builds an items x values x values array, too slow
            # for hundreds of distinct values; and some equal values keep kappa meaningful.
            by_annotator[a] = round(centre + rng.gauss(0, rng.choice([0.1, 1.0, 3.0])), 1)
    check_against_references(ratings, "interval")


def test_interval_large_close_values_keep_their_precision() -> None:
    rng = random.Random(7)
    ratings = random_ratings(rng, [1e9 + k for k in range(1, 6)], 0.5)
    result = check_against_references(ratings, "interval")
    shifted = {i: {a: float(v) - 1e9 for a, v in r.items()} for i, r in ratings.items()}  # type: ignore[arg-type]
    assert result.krippendorff_alpha == approx(agreement(shifted, "interval").krippendorff_alpha)


# Hand-worked cases.

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, values 1-5, missing values. The 12th unit has one value and is left out.
PAPER_EXAMPLE = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def by_items(by_annotator: Mapping[str, Sequence[Value | None]]) -> dict[str, dict[str, Value]]:
    """From one row of values per annotator, None where missing, to ratings[item][annotator]."""
    ratings: dict[str, dict[str, Value]] = {}
    for a, row in by_annotator.items():
        for u, value in enumerate(row):
            ratings.setdefault(f"unit-{u + 1}", {})
            if value is not None:
                ratings[f"unit-{u + 1}"][a] = value
    return ratings


def test_krippendorff_paper_example_nominal() -> None:
    ratings = by_items(PAPER_EXAMPLE)
    result = check_against_references(ratings, "nominal")
    assert (result.items, result.annotators, result.values) == (11, 4, 40)
    assert round(result.krippendorff_alpha or 0, 3) == 0.743
    assert result.krippendorff_alpha == approx(113 / 152)
    # Units 2 and 8 have 3 of 4 equal values (6 of 12 ordered pairs), unit 6 none, the rest all.
    assert result.percent_agreement == approx(9 / 11)
    ab = result.pairs[0]
    assert (ab.first, ab.second, ab.items, ab.percent_agreement) == ("A", "B", 9, approx(8 / 9))
    assert result.cohen_kappa is None  # four annotators


def test_krippendorff_paper_example_interval() -> None:
    result = check_against_references(by_items(PAPER_EXAMPLE), "interval")
    assert round(result.krippendorff_alpha or 0, 3) == 0.849
    assert result.krippendorff_alpha == approx(951 / 1120)


def test_two_observers_binary_as_thumbs() -> None:
    # Krippendorff (2011), section A: two observers, ten units, binary data, alpha = 0.095.
    ratings = by_items(
        {
            "Ben": [v == 1 for v in [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]],
            "Kim": [v == 1 for v in [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]],
        }
    )
    result = check_against_references(ratings, "nominal")
    assert result.krippendorff_alpha == approx(2 / 21)
    # 6 of 10 agree; by chance (2*4 + 8*6) / 100 = 0.56; kappa = 0.04 / 0.44.
    assert result.percent_agreement == approx(0.6)
    assert result.cohen_kappa == approx(1 / 11)
    assert result.pairs == (PairAgreement("Ben", "Kim", 10, approx(0.6), approx(1 / 11)),)


def test_interval_stars_by_hand() -> None:
    ratings = {1: {"x": 1, "y": 2}, 2: {"x": 3, "y": 3}, 3: {"x": 5, "y": 4}}
    result = check_against_references(ratings, "interval")
    # D_o: (2 + 0 + 2) / 6 per value; D_e: 2 * 6 * 10 (sum of squares about 3) / (6 * 5).
    assert result.krippendorff_alpha == approx(1 - 5 * 4 / 120)
    assert result.percent_agreement == approx(1 / 3)
    # p_o = 1/3; only 3 is used by both, p_e = 1/9.
    assert result.cohen_kappa == approx(0.25)


def test_perfect_agreement() -> None:
    ratings = {i: {"x": v, "y": v, "z": v} for i, v in enumerate("abab")}
    result = check_against_references(ratings, "nominal")
    assert result.krippendorff_alpha == 1.0
    assert result.percent_agreement == 1.0
    assert all(p.cohen_kappa == 1.0 for p in result.pairs)
    numbers = {i: {"x": v, "y": v} for i, v in enumerate([0.1, 0.7, 3.3, 0.1, 2.9])}
    result = check_against_references(numbers, "interval")
    assert (result.krippendorff_alpha, result.cohen_kappa) == (1.0, 1.0)


def test_perfect_agreement_on_one_value_is_undefined() -> None:
    ratings = {i: {"x": "yes", "y": "yes"} for i in range(5)}
    with pytest.raises(ValueError, match="more than one value"):
        krippendorff.alpha(reliability_data=[[0] * 5, [0] * 5], level_of_measurement="nominal")
    assert reference_kappa(["yes"] * 5, ["yes"] * 5) is None  # scikit-learn's nan
    result = agreement(ratings, "nominal")
    assert result.percent_agreement == 1.0
    assert result.krippendorff_alpha is None
    assert result.cohen_kappa is None
    assert result.pairs == (PairAgreement("x", "y", 5, 1.0, None),)
    # The same for numbers: alpha is undefined by the values being one, not by a float sum
    # of squared deviations, which rounding could leave just above 0.
    assert agreement({i: {"x": 0.1, "y": 0.1, "z": 0.1} for i in range(7)}, "interval") == (
        Agreement(
            "interval",
            7,
            3,
            21,
            1.0,
            None,
            None,
            tuple(
                PairAgreement(a, b, 7, 1.0, None) for a, b in [("x", "y"), ("x", "z"), ("y", "z")]
            ),
        )
    )


def test_other_value_only_in_a_left_out_item_is_undefined() -> None:
    # `krippendorff` gives nan here: "b" is in its value domain but pairs with nothing.
    ratings = {1: {"x": "a", "y": "a"}, 2: {"x": "b"}}
    assert reference_alpha(ratings, "nominal") is None
    assert agreement(ratings, "nominal").krippendorff_alpha is None


def test_total_disagreement() -> None:
    result = check_against_references({1: {"x": "a", "y": "b"}, 2: {"x": "b", "y": "a"}}, "nominal")
    assert result.percent_agreement == 0.0
    assert result.cohen_kappa == approx(-1.0)
    assert result.krippendorff_alpha == approx(-0.5)  # 1 - 3 * 4 / (16 - 8)
    result = check_against_references(
        {i: dict(zip("xyz", "abc", strict=True)) for i in range(2)}, "nominal"
    )
    assert result.percent_agreement == 0.0
    assert result.krippendorff_alpha == approx(1 - 5 * 6 / 24)
    # Each pair disagrees always, but on the same values each time: kappa is 0 (p_o = p_e = 0).
    assert [p.cohen_kappa for p in result.pairs] == [0.0, 0.0, 0.0]


def test_items_with_one_value_are_left_out() -> None:
    rated = {1: {"x": "a", "y": "a"}, 2: {"x": "a", "y": "b"}, 3: {"x": "b", "y": "b", "z": "b"}}
    lonely: dict[Hashable, dict[str, Value]] = {4: {"x": "c"}, 5: {"z": "a"}, 6: {}}
    assert agreement({**rated, **lonely}, "nominal") == agreement(rated, "nominal")
    result = check_against_references({**rated, **lonely}, "nominal")
    assert (result.items, result.annotators, result.values) == (3, 3, 7)


def test_empty_input() -> None:
    nothing = Agreement("nominal", 0, 0, 0, None, None, None, ())
    assert agreement({}, "nominal") == nothing
    assert agreement({1: {"x": "a"}, 2: {}}, "nominal") == nothing
    assert agreement({}, "interval") == Agreement("interval", 0, 0, 0, None, None, None, ())


def test_multi_choice_tuples_are_nominal_categories() -> None:
    ratings: dict[Hashable, dict[str, Value]] = {
        1: {"x": ("bug", "ux"), "y": ("bug", "ux")},
        2: {"x": ("bug",), "y": ("bug", "ux")},
        3: {"x": (), "y": ()},
        4: {"x": ("ux",), "y": ("ux",), "z": ("ux",)},
    }
    result = check_against_references(ratings, "nominal")
    assert result.percent_agreement == approx(3 / 4)
    xy = result.pairs[0]
    # x: (bug, ux), (bug), (), (ux); y: (bug, ux) twice, (), (ux): p_o = 3/4, p_e = 4/16.
    assert (xy.first, xy.second, xy.items) == ("x", "y", 4)
    assert xy.cohen_kappa == approx((3 / 4 - 4 / 16) / (1 - 4 / 16))


def test_pairs_sorted_and_only_with_common_items() -> None:
    ratings = {1: {"m": "a", "c": "b"}, 2: {"c": "a", "k": "a"}, 3: {"k": "b", "c": "b"}}
    result = check_against_references(ratings, "nominal")
    assert [(p.first, p.second, p.items) for p in result.pairs] == [("c", "k", 2), ("c", "m", 1)]
    assert result.cohen_kappa is None  # three annotators, though no item has more than two


@pytest.mark.parametrize("bad", ["3", True, ("a",), math.nan, math.inf])
def test_interval_needs_finite_numbers(bad: Value) -> None:
    with pytest.raises(ValueError, match=r"interval agreement needs .*numbers.*annotator 'y'"):
        agreement({1: {"x": 1.0, "y": bad}}, "interval")
    # Under nominal any hashable value is a category.
    agreement({1: {"x": 1.0, "y": bad}}, "nominal")


def test_unknown_level() -> None:
    with pytest.raises(ValueError, match="level must be"):
        agreement({}, "ordinal")  # type: ignore[arg-type]
