"""How bulk requests shrink their batches, against `httpx.MockTransport`: a refusal of
the record count gives the limit to use; a refusal of the body's size halves the batch."""

from __future__ import annotations

import json

import httpx

import annotrace


def bulk_answer(records: list[object]) -> dict[str, object]:
    errors = [
        {"recordIndex": n, "spanId": r, "annotationError": "no", "noteError": None}
        for n, r in enumerate(records)
        if r == "bad"
    ]
    return {
        "status": True,
        "result": {
            "message": "one batch",
            "annotationsCreated": len(records) - len(errors),
            "annotationsUpdated": 0,
            "annotationsUnchanged": 0,
            "notesCreated": 0,
            "succeededCount": len(records) - len(errors),
            "errorsCount": len(errors),
            "errors": errors,
            "dryRun": False,
        },
    }


def server(most: int, field: str) -> tuple[httpx.MockTransport, list[int]]:
    sizes: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        records = json.loads(request.content)["records"]
        sizes.append(len(records))
        if len(records) > most:
            error = {
                "code": "payload_too_large",
                "message": "too large",
                "field": field,
                "expected": f"at most {most:,} records per request" if field == "records" else None,
            }
            return httpx.Response(413, json={"error": error})
        return httpx.Response(200, json=bulk_answer(records))

    return httpx.MockTransport(handle), sizes


def test_a_refused_record_count_gives_the_batch_size() -> None:
    transport, sizes = server(1_500, "records")
    records = ["ok"] * 4_000
    records[3_100] = "bad"
    with annotrace.Client("http://sdk.test", "a", "s", transport=transport) as sdk:
        result = sdk.annotations.bulk(records, batch_size=2_000)
    assert sizes == [2_000, 1_500, 1_500, 1_000]
    assert [e.recordIndex for e in result.errors] == [3_100]
    assert (result.succeededCount, result.errorsCount) == (3_999, 1)
    assert "4000 records processed in 3 requests" in result.message


def test_a_refused_body_size_halves_the_batch() -> None:
    transport, sizes = server(2, "body")
    with annotrace.Client("http://sdk.test", "a", "s", transport=transport) as sdk:
        result = sdk.annotations.bulk(["ok", "ok", "ok", "bad", "ok"], batch_size=8)
    assert sizes == [5, 2, 2, 1]
    assert [e.recordIndex for e in result.errors] == [3]


def test_one_batch_gives_the_servers_own_result() -> None:
    transport, sizes = server(10, "records")
    with annotrace.Client("http://sdk.test", "a", "s", transport=transport) as sdk:
        assert sdk.annotations.bulk(["ok"]).message == "one batch"
    assert sizes == [1]
