"""Fault injection on every endpoint the provider calls, through the real provider host, against the emulator.

Each scenario of the table injects one fault on one endpoint and runs the provider operation that calls it:
the first create in an org lists the org, fetches its key and POSTs; an update PATCHes then GETs; a delete
DELETEs. It then looks at what GitHub holds: the declared registry, exactly once, with the declared value; or,
for a fault that outlasts what the provider may wait, a clean error that names the org and the registry and
says what to do, with GitHub left as it was.

The table runs in one provider process, four scenarios at a time (the host serves on four worker threads, as
in a deployment), each in its own org so that their faults, key caches and org snapshots never meet; the
rate-limit pauses they cause do meet, as they would in one deployment. The figures (scenarios, requests,
retries) are printed when the module ends (``pytest -s``).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from engine import change, up
from hosted import ProviderError
from provider_host import ProviderHost
from pulumi_github_private_registry.core.crypto import PublicKey, seal
from pulumi_github_private_registry.core.schema import configuration_name
from pulumi_github_private_registry.emulator import SECONDARY_MESSAGE, Emulator, LoggedRequest
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import TOKEN, declaration

Deploy = Callable[..., ProviderHost]

NAME = "NPM_REGISTRY_SECRET"  # the registry every scenario declares: sample "token" (npm_registry)
TIMEOUT = 2.0  # github-private-registry:requestTimeout of the table's process
DELAY = 4.0  # a delayed answer comes this long after the request: past the timeout
MAX_RETRY_WAIT = 5  # github-private-registry:maxRetryWait of the table's process
CONFIG = {
    "github:writeDelayMs": "0",
    "github-private-registry:requestTimeout": str(TIMEOUT),
    "github-private-registry:maxRetryWait": str(MAX_RETRY_WAIT),
}
PRIMARY_MESSAGE = "API rate limit exceeded for user ID 1."


# --- what a deployment does ------------------------------------------------------------------------


def changed(news: dict[str, Any]) -> dict[str, Any]:
    """The declaration with a field and the value changed."""
    return dict(news, url=news["url"].rstrip("/") + "/v2/", value=news["value"] + "-rotated")


# --- the table ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One of the calls the provider makes, and the operation that makes it."""

    slug: str
    operation: str  # "create" | "update" | "delete"
    method: str
    tail: str  # the path after /orgs/{org}/private-registries

    def path(self, org: str) -> str:
        return f"/orgs/{org}/private-registries{self.tail}"


ENDPOINTS = (
    # The first request of a create is the org's list (the public key comes next), so a fault on
    # GET .../private-registries meets the list even though the path also prefixes the others.
    Endpoint("list", "create", "GET", ""),
    Endpoint("public-key", "create", "GET", "/public-key"),
    Endpoint("post", "create", "POST", ""),
    Endpoint("get", "update", "GET", f"/{NAME}"),
    Endpoint("patch", "update", "PATCH", f"/{NAME}"),
    Endpoint("delete", "delete", "DELETE", f"/{NAME}"),
)


@dataclass(frozen=True)
class FaultKind:
    """A misbehaviour, as keyword arguments of `Emulator.inject` (made when injected: times move)."""

    slug: str
    kind: str  # "none" | "server" | "transport" | "limit"
    make: Callable[[], dict[str, Any]]


def _reset_in(seconds: float) -> str:
    return str(int(time.time() + seconds))


RECOVERABLE = (
    FaultKind("none", "none", dict),
    FaultKind("500", "server", lambda: {"status": 500, "body": {"message": "Server Error"}}),
    FaultKind("502", "server", lambda: {"status": 502}),
    FaultKind("503", "server", lambda: {"status": 503, "body": {"message": "Service Unavailable"}}),
    FaultKind("dropped", "transport", lambda: {"drop": True}),
    FaultKind("applied-then-dropped", "transport", lambda: {"apply_then_drop": True}),
    FaultKind("delay-past-timeout", "transport", lambda: {"delay": DELAY}),
    FaultKind(
        "403-secondary-retry-after",
        "limit",
        lambda: {"status": 403, "headers": {"Retry-After": "1"}, "body": {"message": SECONDARY_MESSAGE}},
    ),
    FaultKind(
        "429-retry-after",
        "limit",
        lambda: {"status": 429, "headers": {"Retry-After": "1"}, "body": {"message": SECONDARY_MESSAGE}},
    ),
    FaultKind(
        "403-primary-spent",
        "limit",
        lambda: {
            "status": 403,
            "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": _reset_in(1)},
            "body": {"message": PRIMARY_MESSAGE},
        },
    ),
)
UNRECOVERABLE = (
    FaultKind(
        "403-secondary-retry-after-an-hour",
        "limit",
        lambda: {"status": 403, "headers": {"Retry-After": "3600"}, "body": {"message": SECONDARY_MESSAGE}},
    ),
    FaultKind(
        "429-retry-after-an-hour",
        "limit",
        lambda: {"status": 429, "headers": {"Retry-After": "3600"}, "body": {"message": SECONDARY_MESSAGE}},
    ),
    FaultKind(
        "403-primary-spent-for-an-hour",
        "limit",
        lambda: {
            "status": 403,
            "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": _reset_in(3600)},
            "body": {"message": PRIMARY_MESSAGE},
        },
    ),
    FaultKind("500-every-time", "server", lambda: {"status": 500, "times": 100}),
    FaultKind("dropped-every-time", "transport", lambda: {"drop": True, "times": 100}),
)


@dataclass(frozen=True)
class Scenario:
    endpoint: Endpoint
    fault: FaultKind

    def __str__(self) -> str:
        return f"{self.endpoint.slug}/{self.fault.slug}"

    @property
    def org(self) -> str:
        # An org login has at most 39 characters: long scenario names keep a digest for uniqueness.
        org = f"rel-{self.endpoint.slug}-{self.fault.slug}"
        if len(org) > 39:
            org = f"{org[:30].rstrip('-')}-{hashlib.sha256(org.encode()).hexdigest()[:8]}"
        return org


RECOVERING = [Scenario(e, f) for e in ENDPOINTS for f in RECOVERABLE if f.slug != "none"]
# A connection dropped every time is tried on the writes only: on a read it ends as 500-every-time does,
# after the same retries (about 8 s of backoff each).
FAILING = [
    Scenario(e, f)
    for e in ENDPOINTS
    for f in UNRECOVERABLE
    if not (f.slug == "dropped-every-time" and e.method == "GET")
]
CONTROLS = {op: Scenario(e, RECOVERABLE[0]) for e in ENDPOINTS for op in [e.operation] if e.method != "GET"}


@dataclass
class Outcome:
    """What one scenario did: the outputs or the error the user saw, and the requests its org received."""

    news: dict[str, Any]
    before: dict[str, Any] | None = None  # outputs before the operation (update, delete)
    outputs: dict[str, Any] | None = None
    error: str | None = None
    fired: int = 0
    requests: list[LoggedRequest] = field(default_factory=list)
    crash: Exception | None = None  # the scenario itself could not run

    def sent(self, method: str, tail: str = "") -> list[LoggedRequest]:
        return [
            r for r in self.requests if r.method == method and r.path.endswith(f"/private-registries{tail}")
        ]

    @property
    def retries(self) -> int:
        """Requests sent again: the same method and path as an earlier one of this scenario."""
        return len(self.requests) - len({(r.method, r.path) for r in self.requests})


def await_answers(emulator: Emulator, method: str, org: str, limit: float) -> None:
    """Wait (at most ``limit`` seconds) until GitHub has answered every ``method`` sent for ``org``.

    A delayed answer lands a fixed time after its request reaches the emulator, and how long that
    takes after the test's clock started depends on the machine's load: wait for it, not for a time.
    """
    deadline, where = time.monotonic() + limit, f"/orgs/{org}/"
    while time.monotonic() < deadline and any(
        r.status is None for r in list(emulator.requests) if r.method == method and r.path.startswith(where)
    ):
        time.sleep(0.05)


def run(host: ProviderHost, emulator: Emulator, scenario: Scenario) -> Outcome:
    """Set the scenario's registry up (if the operation needs one), inject the fault, run the operation."""
    org, endpoint = scenario.org, scenario.endpoint
    outcome = Outcome(news=declaration("token", org))
    try:
        if endpoint.operation != "create":
            id_, outcome.before, inputs = up(host, outcome.news)
        args = scenario.fault.make()
        fault = emulator.inject(method=endpoint.method, path=endpoint.path(org), **args) if args else None
        try:
            if endpoint.operation == "create":
                _, outcome.outputs, _ = up(host, outcome.news)
            elif endpoint.operation == "update":
                outcome.outputs = change(host, id_, outcome.before or {}, inputs, changed(outcome.news))
            else:
                host.delete(id_, outcome.before or {})
        except ProviderError as exc:
            outcome.error = exc.details
        if args.get("delay"):
            # The delayed request is still being served: let it land before looking at GitHub.
            await_answers(emulator, endpoint.method, org, DELAY + 30)
        outcome.fired = fault.fired if fault else 0
    except Exception as exc:  # reported by the scenario's test
        outcome.crash = exc
    outcome.requests = [r for r in list(emulator.requests) if r.path.startswith(f"/orgs/{org}/")]
    return outcome


@dataclass
class Table:
    emulator: Emulator
    outcomes: dict[str, Outcome]
    seconds: float


def _expected_seconds(scenario: Scenario) -> float:
    # Longest first, so that four workers finish together.
    slug = scenario.fault.slug
    if "every-time" in slug:
        return 10.0
    if scenario.endpoint.method == "POST" and scenario.fault.kind in ("server", "transport"):
        return 4.0
    return 2.0 if scenario.fault.kind == "limit" or "delay" in slug else 0.5


@pytest.fixture(scope="module")
def table(provider_host_factory: Callable[..., ProviderHost]) -> Iterator[Table]:
    """Every scenario run once in one provider process, four at a time; prints the figures at the end."""
    with Emulator(token=TOKEN) as emulator:
        host = provider_host_factory(OrgPrivateRegistryProvider())
        host.configure({"github:token": TOKEN, "github:baseUrl": emulator.base_url, **CONFIG})
        scenarios = sorted([*CONTROLS.values(), *RECOVERING, *FAILING], key=_expected_seconds, reverse=True)
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            outcomes = dict(
                zip(map(str, scenarios), pool.map(lambda s: run(host, emulator, s), scenarios), strict=True)
            )
        result = Table(emulator, outcomes, time.monotonic() - started)
        yield result
        sent = [r for o in outcomes.values() for r in o.requests]
        print(
            f"\nreliability table: {len(RECOVERING) + len(FAILING)} fault scenarios ({len(RECOVERING)} "
            f"recovering, {len(FAILING)} ending in a clean error) + {len(CONTROLS)} controls, "
            f"{result.seconds:.1f} s: {len(sent)} requests, "
            f"{sum(o.retries for o in outcomes.values())} sent again, "
            f"{sum(r.status in (403, 429) for r in sent)} rate-limited answers, "
            f"{sum(r.status is None or r.status >= 500 for r in sent)} unanswered or 5xx, "
            f"{sum(o.crash is not None for o in outcomes.values())} scenarios crashed"
        )


def outcome_of(table: Table, scenario: Scenario) -> Outcome:
    outcome = table.outcomes[str(scenario)]
    if outcome.crash is not None:
        raise AssertionError(f"{scenario}: the scenario could not run") from outcome.crash
    if scenario.fault.slug != "none":
        assert outcome.fired >= 1, f"{scenario}: the fault never fired, so this proves nothing"
    return outcome


def log_of(outcome: Outcome) -> str:
    return "\n".join(f"  {r.method} {r.path} -> {r.status}" for r in outcome.requests)


# --- the table's tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", list(CONTROLS.values()), ids=str)
def test_without_a_fault_each_operation_makes_only_its_own_requests(table: Table, scenario: Scenario) -> None:
    outcome = outcome_of(table, scenario)
    assert outcome.error is None
    made = [(r.method, r.path.rpartition("/private-registries")[2], r.status) for r in outcome.requests]
    listed = ("GET", "", 200)
    create = [listed, ("GET", "/public-key", 200), ("POST", "", 201)]
    # An update and a delete each list the org first (once per process, taken for them): has the
    # registry changed at GitHub since the state last saw it?
    assert (
        made
        == {
            "create": create,
            "update": [*create, listed, ("PATCH", f"/{NAME}", 204), ("GET", f"/{NAME}", 200)],
            "delete": [*create, listed, ("DELETE", f"/{NAME}", 204)],
        }[scenario.endpoint.operation]
    )


@pytest.mark.parametrize("scenario", RECOVERING, ids=str)
def test_a_passing_fault_ends_in_the_declared_state_once(
    table: Table, scenario: Scenario, record_property: Callable[[str, object], None]
) -> None:
    outcome = outcome_of(table, scenario)
    org, emulator = scenario.org, table.emulator
    record_property("requests", len(outcome.requests))
    record_property("retries", outcome.retries)
    assert outcome.error is None, f"{scenario} failed:\n{outcome.error}\n{log_of(outcome)}"
    registries = emulator.registries(org)
    operation = scenario.endpoint.operation
    if operation == "delete":
        assert registries == {}
        return
    declared = outcome.news if operation == "create" else changed(outcome.news)
    assert list(registries) == [NAME], "exactly one registry, and no other"
    stored, outputs = registries[NAME], outcome.outputs or {}
    assert stored["url"] == declared["url"] == outputs["url"]
    assert emulator.decrypted_value(org, NAME) == declared["value"], "nothing lost: the declared value"
    assert outputs["key_id"] == emulator.public_key(org)[0]
    if not (scenario.endpoint.method == "PATCH" and "delay" in scenario.fault.slug):
        # State and GitHub agree, so the next refresh sees no drift. (A PATCH answered too late is sent
        # again; when the late one lands it changes nothing but GitHub's updated_at.)
        assert outputs["updated_at"] == stored["updated_at"]
    posts = outcome.sent("POST")
    applied = sum(r.status == 201 for r in posts) + (
        scenario.endpoint.method == "POST" and scenario.fault.slug == "applied-then-dropped"
    )
    assert applied == 1, f"one create applied, no duplicate:\n{log_of(outcome)}"
    assert not any(r.status == 422 for r in posts), f"no create sent blindly twice:\n{log_of(outcome)}"
    if len(posts) > 1 and posts[0].status not in (403, 429):
        # A create with no usable answer is looked up by its name before it is sent again.
        first, second = outcome.requests.index(posts[0]), outcome.requests.index(posts[1])
        lookups = outcome.requests[first:second]
        assert any(r.method == "GET" and r.path.endswith(f"/{NAME}") for r in lookups), log_of(outcome)


@pytest.mark.parametrize("scenario", FAILING, ids=str)
def test_a_lasting_fault_ends_in_a_clean_error_that_says_what_to_do(
    table: Table, scenario: Scenario, record_property: Callable[[str, object], None]
) -> None:
    outcome = outcome_of(table, scenario)
    org, emulator = scenario.org, table.emulator
    record_property("requests", len(outcome.requests))
    record_property("retries", outcome.retries)
    assert outcome.error is not None, f"{scenario} succeeded against a lasting fault:\n{log_of(outcome)}"
    message = outcome.error.strip().splitlines()[-1]  # the details end with the exception the user sees
    assert f"OrgPrivateRegistry {org}/{NAME}:" in message
    if scenario.fault.kind == "limit":
        assert re.search(r"retry after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", message), message
        assert "github-private-registry:maxRetryWait" in message
        assert outcome.fired == 1, "a limit longer than the wait allowed is not waited on"
    else:
        assert "try again" in message.lower(), message
    assert TOKEN not in outcome.error
    # GitHub is left as it was before the operation (an update whose GET failed has been applied).
    registries = emulator.registries(org)
    operation = scenario.endpoint.operation
    if operation == "create":
        assert registries == {}, "nothing made"
        return
    kept = changed(outcome.news) if scenario.endpoint.method == "GET" else outcome.news
    assert list(registries) == [NAME], "nothing lost"
    assert registries[NAME]["url"] == kept["url"]
    assert emulator.decrypted_value(org, NAME) == kept["value"]


def test_the_table_runs_every_fault_on_every_endpoint() -> None:
    assert {e.slug for e in ENDPOINTS} == {"list", "public-key", "post", "get", "patch", "delete"}
    assert len(RECOVERING) == 6 * 9 and len(FAILING) == 6 * 5 - 3
    assert len({s.org for s in [*RECOVERING, *FAILING, *CONTROLS.values()]}) == len(RECOVERING) + len(
        FAILING
    ) + len(CONTROLS), "each scenario has an org of its own"


# --- key rotation, lagging reads and someone else's registry ----------------------------------------


def test_a_key_rotated_while_the_process_runs_is_fetched_again_and_the_value_resealed(
    deployment: Deploy, emulator: Emulator
) -> None:
    host = deployment()
    up(host, declaration("token", "rotating"))  # fetches and caches the org's key
    new_key_id = emulator.rotate_key("rotating")
    second = declaration("username_password", "rotating")
    _, outs, _ = up(host, second)
    assert emulator.count("GET", "public-key") == 2
    assert [r.status for r in emulator.requests if r.method == "POST"] == [201, 422, 201]
    assert outs["key_id"] == new_key_id
    assert emulator.decrypted_value("rotating", "MAVEN_REPOSITORY_SECRET") == second["value"]
    assert emulator.decrypted_value("rotating", NAME) == declaration("token", "rotating")["value"]


def test_an_update_after_a_key_rotation_reseals_once(deployment: Deploy, emulator: Emulator) -> None:
    host = deployment()
    news = declaration("token", "rotate-update")
    id_, outs, inputs = up(host, news)
    emulator.rotate_key("rotate-update")
    emulator.reset_log()
    new_outs = change(host, id_, outs, inputs, changed(news))
    assert [(r.method, r.status) for r in emulator.requests] == [
        ("GET", 200),  # the update's list: unchanged at GitHub since it was written
        ("PATCH", 422),
        ("GET", 200),  # the public key, again
        ("PATCH", 204),
        ("GET", 200),
    ]
    assert emulator.decrypted_value("rotate-update", NAME) == changed(news)["value"]
    assert new_outs["key_id"] == emulator.public_key("rotate-update")[0]


def test_a_value_sealed_elsewhere_with_a_rotated_key_fails_saying_to_seal_it_again(
    deployment: Deploy, emulator: Emulator
) -> None:
    key_id, key = emulator.public_key("sealed-old")
    sealed = seal("sealed-elsewhere", PublicKey(key_id, key))
    emulator.rotate_key("sealed-old")
    news = declaration("token", "sealed-old", value_encrypted=sealed.encrypted_value, key_id=key_id)
    del news["value"]
    with pytest.raises(ProviderError) as failure:
        up(deployment(), news)
    message = failure.value.details.strip().splitlines()[-1]
    assert f"sealed-old/{NAME}" in message and "key_id" in message and "public-key" in message
    assert emulator.count("POST") == 1, "a value the provider cannot reseal is not sent again"
    assert emulator.registries("sealed-old") == {}


def test_an_update_retries_a_404_right_after_its_own_patch(deployment: Deploy, emulator: Emulator) -> None:
    host = deployment()
    news = declaration("token", "lagging")
    id_, outs, inputs = up(host, news)
    emulator.inject(method="GET", path=f"/{NAME}", status=404, body={"message": "Not Found"}, times=2)
    new_outs = change(host, id_, outs, inputs, changed(news))
    assert new_outs["updated_at"] == emulator.registry("lagging", NAME)["updated_at"]  # type: ignore[index]
    assert [r.status for r in emulator.requests if r.method == "GET" and r.path.endswith(NAME)] == [
        404,
        404,
        200,
    ]


@pytest.mark.parametrize("auth_type", ["token", "oidc_aws"])
def test_an_applied_create_whose_answer_is_lost_is_taken_over_even_when_the_lookup_lags(
    deployment: Deploy, emulator: Emulator, auth_type: str
) -> None:
    news = declaration(auth_type, "lost-answer")
    name = configuration_name(news["registry_type"])
    emulator.inject(method="POST", apply_then_drop=True)
    emulator.inject(method="GET", path=f"/{name}", status=404, body={"message": "Not Found"})
    host = deployment()
    id_, outs, inputs = up(host, news)
    assert emulator.count("POST") == 1, "an unanswered create is never sent blindly again"
    assert list(emulator.registries("lost-answer")) == [name]
    stored = emulator.registry("lost-answer", name)
    assert stored is not None and stored["url"] == news["url"] and outs["updated_at"] == stored["updated_at"]
    if "value" in news:
        assert emulator.decrypted_value("lost-answer", name) == news["value"]
    assert [r.status for r in emulator.requests if r.method == "GET" and r.path.endswith(name)][:2] == [
        404,
        200,
    ]
    assert host.diff(id_, outs, inputs).changes == "none"


def test_an_unanswered_create_that_finds_someone_elses_registry_fails_clearly(
    deployment: Deploy, emulator: Emulator
) -> None:
    host = deployment()
    emulator.inject(method="POST", drop=True, delay=0.3)
    failure: list[ProviderError] = []

    def create() -> None:
        try:
            up(host, declaration("token", "raced"))
        except ProviderError as exc:
            failure.append(exc)

    worker = threading.Thread(target=create)
    worker.start()
    deadline = time.monotonic() + 10
    while emulator.count("POST") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    # While our create goes unanswered, someone else makes the org's npm registry.
    emulator.put_registry(
        "raced",
        registry_type="npm_registry",
        url="https://theirs.example.com",
        visibility="private",
        value="theirs",
    )
    worker.join(30)
    assert failure, "a registry that differs from what was sent is not taken over"
    message = failure[0].details.strip().splitlines()[-1]
    assert f"raced/{NAME}" in message and "adopt: true" in message and "url" in message
    assert emulator.count("POST") == 1 and emulator.count("PATCH") == 0
    assert emulator.decrypted_value("raced", NAME) == "theirs"


def test_a_create_that_lands_after_every_lookup_is_refused_by_github_not_doubled(
    deployment: Deploy, emulator: Emulator
) -> None:
    # Well past the timeout and every lookup of the unanswered create (about 4 s in all; more on a
    # busy machine, where a tighter margin would make this test fail now and then).
    late = 10.0
    # A short timeout leaves the widest margin before the late create lands; a slow answer to a
    # lookup is only sent again.
    host = deployment(**{"github-private-registry:requestTimeout": "0.5"})
    emulator.inject(method="POST", delay=late)
    news = declaration("token", "late")
    started = time.monotonic()
    id_, outs, _ = up(host, news)
    assert time.monotonic() - started < late, "the provider created it again before the late one landed"
    await_answers(emulator, "POST", "late", late + 30)
    assert [r.status for r in emulator.requests if r.method == "POST"] == [422, 201], (
        "the second create made it; the late first one was refused as a duplicate"
    )
    stored = emulator.registry("late", NAME)
    assert list(emulator.registries("late")) == [NAME] and stored is not None
    assert emulator.decrypted_value("late", NAME) == news["value"]
    assert outs["updated_at"] == stored["updated_at"] and id_ == f"late/{NAME}"
