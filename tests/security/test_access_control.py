"""Access control route by route, on both databases (issue 8).

Every route of the application has a row in `routes.TABLE` (a new route without one fails
`test_every_route_is_in_the_table`). For each row, every caller that may not make the
request is refused with the right status, is told nothing of workspace bravo (no id, name
or count it did not send itself), and changes nothing; then the rightful caller makes the
same request and gets through, which shows that the refusals were about the caller alone.
Alpha's key and admin also list without a project (`routes.UNFILTERED`) and name bravo's
objects inside requests on alpha's own (`routes.MIXED`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from annotrace import security
from annotrace.domain.access import Role
from annotrace.services.keys import authenticate_key_pair
from annotrace.settings import Settings
from annotrace.storage.engine import Database
from annotrace.web.app import create_app
from tests.conftest import headers_for, make_key_pair
from tests.security.routes import MIXED, ROLE_RANK, TABLE, UNFILTERED, Row
from tests.security.world import World, build_world, fill
from tests.storage.test_ingest import store
from tests.support.spans import make_trace

pytestmark = pytest.mark.anyio

BASE_URL = "http://annotrace.test"
# Where a request without a live session is sent (after signing out it is plain /login).
SIGN_IN = "/login?next="


@pytest.fixture
def settings() -> Settings:
    # Hundreds of wrong keys come from one address here: no throttle may answer for them.
    return Settings(auth_failure_limit=1_000_000)


def declared_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route; a mount (static files) counts as its GET."""
    found = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            found.add(("GET", route.path))
            continue
        found |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
    return found


def test_every_route_is_in_the_table() -> None:
    database = Database("sqlite://")
    try:
        declared = declared_routes(create_app(Settings(), database))
    finally:
        database.dispose()
    listed = [row.key for row in TABLE]
    assert len(listed) == len(set(listed)), "a route has two rows"
    missing = sorted(declared - set(listed))
    stale = sorted(set(listed) - declared)
    assert not missing, f"routes without a row in tests/security/routes.py: {missing}"
    assert not stale, f"rows for routes the application does not have: {stale}"


@dataclass(frozen=True)
class Case:
    """A caller that must be refused: who, its headers, the CSRF token it sends, the status
    it must get (303: to the sign-in page), and whether it is outside workspace bravo."""

    who: str
    headers: dict[str, str]
    expected: int
    csrf: str | None = None
    outsider: bool = True


def api_cases(world: World, row: Row) -> list[Case]:
    bravo, admin = world.keys["bravo"], world.browsers["bravo_admin"]
    # Bearer tokens go through the same check as key pairs (tests/api/test_auth.py).
    cases = [
        Case("no key", {}, 401),
        Case("an API key without its secret", {"X-Api-Key": bravo.api_key}, 401),
        Case(
            "a wrong secret",
            {"X-Api-Key": bravo.api_key, "X-Secret-Key": security.new_secret_key()},
            401,
        ),
        Case("a revoked key pair", world.headers("bravo_revoked"), 401),
        # The dashboard's cookie is no API credential, with its CSRF token or not.
        Case("bravo's admin session", {**admin.cookie, "X-CSRF-Token": admin.csrf}, 401),
    ]
    if row.other is not None:
        cases.append(alpha_case(world, row))
    return cases


def page_cases(world: World, row: Row) -> list[Case]:
    admin, alpha = world.browsers["bravo_admin"], world.browsers["alpha_admin"]
    cases = [
        Case("no session", {}, 303),
        Case("a forged session", {"Cookie": "annotrace_session=forged"}, 303),
        # The page's script cannot follow a redirect: it is told to sign in.
        Case("the script without a session", {"X-Requested-With": "fetch"}, 401),
        Case("bravo's key pair", world.headers("bravo"), 303),
    ]
    if row.method != "GET":
        cases += [
            Case("no CSRF token", admin.cookie, 403, outsider=False),
            Case("a forged CSRF token", admin.cookie, 403, csrf="forged", outsider=False),
            # A token is good for its own session only.
            Case("alpha's CSRF token", admin.cookie, 403, csrf=alpha.csrf, outsider=False),
        ]
    for role in (Role.VIEWER, Role.ANNOTATOR):
        if ROLE_RANK[role] < ROLE_RANK[row.role]:
            browser = world.browsers[f"bravo_{role.value}"]
            cases.append(
                Case(f"bravo's {role.value}", browser.cookie, 403, browser.csrf, outsider=False)
            )
    if row.other is not None:
        cases.append(alpha_case(world, row))
    return cases


def alpha_case(world: World, row: Row) -> Case:
    assert row.other is not None
    if row.is_api:
        return Case("alpha's key pair", world.headers("alpha"), row.other)
    alpha = world.browsers["alpha_admin"]
    return Case("alpha's admin", alpha.cookie, row.other, alpha.csrf)


def cases_of(world: World, row: Row) -> list[Case]:
    if row.public is not None:
        return [Case("anyone", {}, row.public)]
    return api_cases(world, row) if row.is_api else page_cases(world, row)


class Probe:
    def __init__(self, http: httpx.AsyncClient, world: World) -> None:
        self.http = http
        self.world = world
        # Never shown to anyone, sent or not.
        self.credentials = {world.ids["password"]} | {
            token for browser in world.browsers.values() for token in (browser.token, browser.csrf)
        }
        self.credentials |= {pair.secret_key for pair in world.keys.values()}
        self.secrets = {secret.casefold() for secret in world.secrets}

    async def send(
        self, row: Row, headers: dict[str, str], csrf: str | None
    ) -> tuple[str, httpx.Response]:
        """The response, and the text of the request (what the caller itself said)."""
        ids = self.world.ids
        url = fill(row.target, ids)
        sent = {**dict(fill(row.headers, ids)), **headers}
        content = said = ""
        if row.json is not None:
            content = said = json.dumps(fill(row.json, ids))
            sent["Content-Type"] = "application/json"
        elif row.method != "GET":
            pairs = [*fill(row.form, ids), *([("csrf_token", csrf)] if csrf else [])]
            content = urlencode(pairs)
            said = " ".join(f"{key}={value}" for key, value in pairs)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        response = await self.http.request(row.method, url, content=content, headers=sent)
        return f"{url} {said}", response

    def leaks(self, row: Row, case: Case, request: str, response: httpx.Response) -> list[str]:
        shown = response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        # A signed-in page carries the CSRF token of its own session, and no other.
        own = {b.csrf for b in self.world.browsers.values() if b.token in str(case.headers)}
        found = sorted(secret for secret in self.credentials - own if secret in shown)
        # Static files come from the package, not the database: a number in a stylesheet
        # is no count of anyone's.
        if case.outsider and not row.route.startswith("/static"):
            asked, seen = request.casefold(), shown.casefold()
            found += sorted(
                secret for secret in self.secrets if secret not in asked and secret in seen
            )
            found += [
                f"the count {count}"
                for count in self.world.counts
                if re.search(rf"\b{count}\b", shown) and str(count) not in request
            ]
        return found

    async def refusals(self, row: Row, cases: list[Case]) -> list[str]:
        problems = []
        for case in cases:
            request, response = await self.send(row, case.headers, case.csrf)
            status = response.status_code
            problem = ""
            if status != case.expected:
                problem = f"got {status}, expected {case.expected}: {response.text[:300]}"
            elif status == 303 and not row.public:
                location = response.headers.get("location", "")
                if not location.startswith(SIGN_IN):
                    problem = f"redirected to {location!r}, not to the sign-in page"
            leaked = self.leaks(row, case, request, response)
            if leaked:
                problem += f" leaked {leaked}"
            if problem:
                problems.append(f"{row} with {case.who}: {problem.strip()}")
        return problems

    async def rightful(self, row: Row) -> list[str]:
        """The request as bravo's key pair or signed-in user makes it."""
        if row.public is not None:
            return []
        if row.is_api:
            _, response = await self.send(row, self.world.headers("bravo"), None)
        else:
            browser = self.world.browsers[row.rightful]
            _, response = await self.send(row, browser.cookie, browser.csrf)
        status, location = response.status_code, response.headers.get("location", "")
        if 200 <= status < 400 and not location.startswith(SIGN_IN):
            return []
        return [f"{row} by its rightful caller: got {status} {location} {response.text[:300]}"]


async def test_every_route_refuses_whoever_may_not_and_lets_the_rightful_caller_in(
    app: FastAPI, database: Database
) -> None:
    world = build_world(database)
    problems: list[str] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        probe = Probe(http, world)
        before, unchecked = world.fingerprint(), []
        rows = [(row, cases_of(world, row)) for row in TABLE]
        rows += [(row, [alpha_case(world, row)]) for row in UNFILTERED + MIXED]
        for number, (row, cases) in enumerate(rows, 1):
            problems += await probe.refusals(row, cases)
            unchecked.append(str(row))
            # After each write; reads (which change nothing even when allowed) go with the
            # next one.
            if row.method != "GET" or number == len(rows):
                after = world.fingerprint()
                if after != before:
                    problems.append(f"refused requests changed stored data: {unchecked}")
                before, unchecked = after, []
        # Last, as the rightful requests change what the rows name.
        for row in TABLE:
            problems += await probe.rightful(row)
    assert not problems, "\n".join(problems)


async def test_otlp_of_another_workspace_writes_only_its_own(
    client: httpx.AsyncClient, database: Database
) -> None:
    """Alpha's key sending spans with bravo's project name and bravo's very ids: alpha
    gets a project of its own, bravo's span stays as it was."""
    theirs = make_trace(project="bravo-helpdesk", size=2)
    bravo = make_key_pair(database, "bravo")
    with database.read() as session:
        principal = authenticate_key_pair(
            session=session, api_key=bravo.api_key, secret_key=bravo.secret_key
        )
    store(database, principal, theirs)
    span = theirs[1].span
    bravo_headers = headers_for(bravo)
    before = (await client.get(f"/api/v1/spans/{span.span_id}", headers=bravo_headers)).json()
    document = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": span.trace_id,
                                "spanId": span.span_id,
                                "name": "overwritten",
                                "startTimeUnixNano": "1730000000000000000",
                            }
                        ]
                    }
                ]
            }
        ]
    }
    alpha = headers_for(make_key_pair(database, "alpha"))
    response = await client.post(
        "/v1/traces", json=document, headers={**alpha, "x-project": "bravo-helpdesk"}
    )
    assert response.status_code == 200
    assert "bravo" not in response.text
    after = (await client.get(f"/api/v1/spans/{span.span_id}", headers=bravo_headers)).json()
    assert after == before
    mine = (await client.get(f"/api/v1/spans/{span.span_id}", headers=alpha)).json()
    assert mine["name"] == "overwritten"
    assert mine["project_id"] != before["project_id"]
    (bravo_project,) = (await client.get("/api/v1/projects", headers=bravo_headers)).json()
    assert (bravo_project["trace_count"], bravo_project["span_count"]) == (1, 2)
