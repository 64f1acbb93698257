"""Hypothesis property tests of the label value rules and the span filter.

Each test gives its number of examples for the suite's time budget; for a long run by
hand, ANNOTRACE_PROPERTY_SCALE multiplies them all, for example
`ANNOTRACE_PROPERTY_SCALE=40 pytest tests/properties -n 2`. Under CI (CI=true)
Hypothesis loads its built-in "ci" profile: derandomised, no example database, so a
failure there replays the same way on the next run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = float(os.environ.get("ANNOTRACE_PROPERTY_SCALE", "1"))


def budget(examples: int) -> settings:
    """Settings for a property test of `examples` examples (scaled, see above).

    No deadline: database round trips vary. Function-scoped fixtures are shared by the
    examples of a test on purpose: a database set up once, which the examples read (or
    whose changes they check one by one).
    """
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
