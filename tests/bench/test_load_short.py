"""bench/load.py for a few seconds on each database: no errors and nothing lost.

The full benchmark holds the load for 60 s and is run by hand; this runs the same code
(a real `annotrace serve`, the same clients, the same check of what was acknowledged)
for long enough to mix every kind of request, and asserts no timing.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

from sqlalchemy import delete, select, update

from annotrace.storage.engine import Database
from annotrace.storage.models import Annotation, Label, Note
from annotrace.storage.models import Span as SpanRow

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "load.py"
CLIENTS = 4


def _import_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while the script is executed.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


load = _import_script()


def test_a_short_mixed_load_has_no_errors_and_loses_nothing(database_url: str) -> None:
    outcome = load.run(database_url, duration=5, clients=CLIENTS)
    printed = load.report(outcome, CLIENTS)

    assert outcome.errors == 0, printed
    assert outcome.losses.count == 0, printed
    assert outcome.passed
    assert printed.endswith("PASS")
    # Every client makes every kind of request at least once.
    for name, kind in outcome.load.kinds.items():
        assert len(kind.latencies) >= CLIENTS, f"{name}: {printed}"
    losses = outcome.losses
    assert losses.spans_acknowledged == len(outcome.load.spans) > 0
    assert losses.keys_acknowledged > 0
    assert losses.notes_acknowledged == len(outcome.load.notes) > 0

    # The check finds what goes missing or changes afterwards.
    keys = sorted(
        key for key, writes in outcome.load.writes.items() if load.possible_values(writes)
    )
    verdict = outcome.load.label_ids["verdict"]
    gone_span = keys[0][0]
    gone_key = next(key for key in keys if key[0] != gone_span)
    changed_key = next(
        key for key in keys if key[1] == verdict and gone_span != key[0] != gone_key[0]
    )
    gone_note = next(note for note in sorted(outcome.load.notes) if note[0] != gone_span)
    database = Database(database_url)
    try:
        with database.write() as session:
            rowids = dict(
                session.execute(
                    select(SpanRow.span_id, SpanRow.span_rowid).where(
                        SpanRow.span_id.in_([gone_span, gone_key[0], changed_key[0], gone_note[0]])
                    )
                ).all()
            )
            labels = dict(session.execute(select(Label.id, Label.label_rowid)).all())
            session.execute(delete(SpanRow).where(SpanRow.span_rowid == rowids[gone_span]))
            for key, change in ((gone_key, None), (changed_key, "tampered")):
                where = (
                    (Annotation.span_rowid == rowids[key[0]])
                    & (Annotation.label_rowid == labels[key[1]])
                    & (Annotation.annotator_id == key[2])
                )
                if change is None:
                    session.execute(delete(Annotation).where(where))
                else:
                    session.execute(update(Annotation).where(where).values(value=change))
            session.execute(
                delete(Note).where(
                    (Note.span_rowid == rowids[gone_note[0]])
                    & (Note.annotator_id == gone_note[1])
                    & (Note.text == gone_note[2])
                )
            )
    finally:
        database.dispose()

    found = load.check(database_url, outcome.load)

    assert gone_span in found.spans_missing
    assert gone_key in found.annotations_missing
    assert [wrong for wrong in found.annotations_wrong if str(changed_key) in wrong]
    assert gone_note in found.notes_missing
    outcome.losses = found
    assert not outcome.passed
    assert load.report(outcome, CLIENTS).endswith("FAIL")


def write(value: str, sent: float, acknowledged: float = math.inf) -> object:
    return load.Write(value, sent, acknowledged)


def test_after_writes_one_after_another_only_the_last_value_may_be_stored() -> None:
    writes = [write("a", 0, 1), write("b", 2, 3), write("c", 4, 5)]

    assert load.possible_values(writes) == ["c"]


def test_writes_in_flight_together_may_each_be_last() -> None:
    # b began before a was acknowledged, and c before b was: any of b and c may be last.
    writes = [write("a", 0, 2), write("b", 1, 4), write("c", 3, 5)]

    assert load.possible_values(writes) == ["b", "c"]


def test_a_failed_request_may_have_been_applied_but_is_not_required() -> None:
    assert load.possible_values([write("a", 0, 1), write("b", 2)]) == ["a", "b"]
    assert load.possible_values([write("b", 0), write("a", 1, 2)]) == ["b", "a"]
    assert load.possible_values([write("b", 0)]) is None
