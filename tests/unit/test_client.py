"""GitHubClient against the emulator over loopback: the six calls, base URLs, errors, retries, pacing."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS
from pulumi_github_private_registry.core.client import GitHubClient
from pulumi_github_private_registry.core.crypto import PublicKey, seal
from pulumi_github_private_registry.core.errors import (
    AuthenticationError,
    GitHubError,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransportError,
    ValidationFailed,
)
from pulumi_github_private_registry.core.pacing import (
    Cancellation,
    Limits,
    Throttle,
    http_date,
    rate_limit_wait,
)
from pulumi_github_private_registry.core.settings import normalize_base_url
from pulumi_github_private_registry.emulator import Emulator

CANARY_TOKEN = "ghp_CLIENTCANARY0123456789abcdef"
FAST = Limits(write_interval=0, max_retry_wait=2, backoff_factor=0.01, backoff_max=0.05, timeout=2)


def make_client(emulator: Emulator, token: str = "test-token", limits: Limits = FAST) -> GitHubClient:
    # The dynamic door's keys: its messages name them (`github:token`).
    return GitHubClient(token, emulator.base_url, limits=limits, keys=DYNAMIC_KEYS)


def create_body(
    emulator: Emulator, org: str, registry_type: str = "npm_registry", **extra: Any
) -> dict[str, Any]:
    key_id, key = emulator.public_key(org)
    sealed = seal("s3cret", PublicKey(key_id, key))
    body = {"registry_type": registry_type, "url": "https://registry.example.com/", "visibility": "all"}
    return {**body, "encrypted_value": sealed.encrypted_value, "key_id": sealed.key_id, **extra}


@pytest.fixture
def canary_emulator() -> Iterator[Emulator]:
    with Emulator(token=CANARY_TOKEN, read_only_token="ghp_READONLY") as emu:
        yield emu


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (None, "https://api.github.com/"),
        ("https://api.github.com", "https://api.github.com/"),
        ("https://api.github.com/", "https://api.github.com/"),
        ("https://github.com", "https://api.github.com/"),
        ("https://github.example.com", "https://github.example.com/api/v3/"),
        ("https://github.example.com/", "https://github.example.com/api/v3/"),
        ("https://github.example.com/api/v3", "https://github.example.com/api/v3/"),
        ("https://github.example.com/api/v3/", "https://github.example.com/api/v3/"),
        ("https://octocorp.ghe.com", "https://api.octocorp.ghe.com/"),
        ("https://api.octocorp.ghe.com/", "https://api.octocorp.ghe.com/"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
        ("http://127.0.0.1:8080/api/v3", "http://127.0.0.1:8080/api/v3/"),
    ],
)
def test_base_urls_of_github_com_enterprise_server_and_ghe_com(configured: str | None, expected: str) -> None:
    assert normalize_base_url(configured, DYNAMIC_KEYS.base_url.key) == expected


def test_a_base_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="baseUrl"):
        normalize_base_url("api.github.com", DYNAMIC_KEYS.base_url.key)


def test_requests_carry_githubs_headers(emulator: Emulator) -> None:
    make_client(emulator).list_registries("acme")
    headers = emulator.requests[0].headers
    assert headers["authorization"] == "Bearer test-token"
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2026-03-10"
    assert headers["user-agent"].startswith("pulumi-github-private-registry/")


def test_every_call_under_the_enterprise_api_v3_prefix(emulator_v3: Emulator) -> None:
    client = make_client(emulator_v3)
    assert client.list_registries("acme") == []
    key = client.get_public_key("acme")
    assert key.key_id == emulator_v3.public_key("acme")[0]
    created = client.create_registry("acme", create_body(emulator_v3, "acme"))
    assert created["name"] == "NPM_REGISTRY_SECRET"
    assert emulator_v3.decrypted_value("acme", "NPM_REGISTRY_SECRET") == "s3cret"
    assert client.get_registry("acme", "NPM_REGISTRY_SECRET")["url"] == "https://registry.example.com/"
    client.update_registry("acme", "NPM_REGISTRY_SECRET", {"url": "https://new.example.com/"})
    assert [r["url"] for r in client.list_registries("acme")] == ["https://new.example.com/"]
    client.delete_registry("acme", "NPM_REGISTRY_SECRET")
    assert client.list_registries("acme") == []
    # The emulator answers 404 outside its prefix, so every success above went through /api/v3.
    assert client.base_url.endswith("/api/v3/")
    assert all(r.path.startswith("/orgs/acme/private-registries") for r in emulator_v3.requests)


def test_list_follows_link_pagination_over_several_pages() -> None:
    with Emulator(token="test-token", prefix="/api/v3", max_per_page=2) as emulator:
        for registry_type in (
            "npm_registry",
            "maven_repository",
            "docker_registry",
            "nuget_feed",
            "cargo_registry",
        ):
            emulator.put_registry(
                "paged", registry_type=registry_type, url="https://r.example.com", visibility="all", value="v"
            )
        emulator.reset_log()
        names = [r["name"] for r in make_client(emulator).list_registries("paged")]
        assert sorted(names) == sorted(emulator.registries("paged"))
        assert len(names) == 5
        pages = [r.query.get("page", ["1"])[0] for r in emulator.requests]
        assert pages == ["1", "2", "3"]
        assert all(r.path == "/orgs/paged/private-registries" for r in emulator.requests)


def test_wrong_token_is_an_authentication_error(canary_emulator: Emulator) -> None:
    with pytest.raises(AuthenticationError) as failure:
        make_client(canary_emulator, token="ghp_WRONG").list_registries("acme")
    assert failure.value.status == 401 and "github:token" in str(failure.value)


def test_read_only_token_writing_is_a_permission_error_naming_the_permission(
    canary_emulator: Emulator,
) -> None:
    client = make_client(canary_emulator, token="ghp_READONLY")
    with pytest.raises(PermissionDenied) as failure:
        client.create_registry("acme", create_body(canary_emulator, "acme"))
    message = str(failure.value)
    assert "admin:org" in message and "Organization private registries" in message
    assert "POST /orgs/acme/private-registries" in message


def test_missing_registry_is_not_found(emulator: Emulator) -> None:
    with pytest.raises(NotFound) as failure:
        make_client(emulator).get_registry("acme", "NPM_REGISTRY_SECRET")
    assert "/orgs/acme/private-registries/NPM_REGISTRY_SECRET" in str(failure.value)


def test_validation_errors_carry_githubs_messages_as_objects(emulator: Emulator) -> None:
    with pytest.raises(ValidationFailed) as failure:
        make_client(emulator).create_registry("acme", create_body(emulator, "acme", visibility="selected"))
    assert "selected_repository_ids" in failure.value.fields
    assert any("selected_repository_ids" in e for e in failure.value.errors)


def test_validation_errors_carry_githubs_messages_as_strings(emulator: Emulator) -> None:
    client = make_client(emulator)
    client.create_registry("acme", create_body(emulator, "acme"))
    with pytest.raises(ValidationFailed) as failure:
        client.create_registry("acme", create_body(emulator, "acme"))
    assert any("already exists" in e for e in failure.value.errors)
    assert "already exists" in str(failure.value)


def test_spent_primary_limit_beyond_the_wait_allowed_says_when_to_retry(emulator: Emulator) -> None:
    emulator.set_primary_remaining(0, reset_in=3600)
    with pytest.raises(RateLimited) as failure:
        make_client(emulator).list_registries("acme")
    assert "retry after" in str(failure.value) and failure.value.status == 403
    assert emulator.count() == 1, "a limit longer than the wait allowed is not waited on"


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_limit_with_retry_after_is_waited_on_then_succeeds(emulator: Emulator, status: int) -> None:
    emulator.inject(
        method="GET",
        status=status,
        headers={"Retry-After": "1"},
        body={"message": "You have exceeded a secondary rate limit."},
    )
    assert make_client(emulator).list_registries("acme") == []
    assert [r.status for r in emulator.requests] == [status, 200]


def test_secondary_limit_without_headers_is_recognised_by_its_message(emulator: Emulator) -> None:
    emulator.inject(method="GET", status=403, body={"message": "You have exceeded a secondary rate limit."})
    with pytest.raises(RateLimited):
        make_client(emulator).list_registries("acme")  # GitHub's rule: wait a minute; more than allowed here


def test_transient_server_errors_on_reads_are_retried(emulator: Emulator) -> None:
    emulator.inject(method="GET", status=502, times=2)
    assert make_client(emulator).list_registries("acme") == []
    assert [r.status for r in emulator.requests] == [502, 502, 200]


def test_persistent_server_error_ends_in_a_server_error_after_the_retries(emulator: Emulator) -> None:
    emulator.inject(method="GET", status=500, times=100)
    with pytest.raises(ServerError) as failure:
        make_client(emulator).get_public_key("acme")
    assert failure.value.status == 500
    assert emulator.count() == FAST.retries + 1


def test_dropped_connection_on_a_read_is_retried(emulator: Emulator) -> None:
    emulator.inject(method="GET", drop=True)
    assert make_client(emulator).list_registries("acme") == []


def test_create_applied_then_dropped_is_an_unknown_outcome_not_retried(emulator: Emulator) -> None:
    emulator.inject(method="POST", apply_then_drop=True)
    with pytest.raises(OutcomeUnknown) as failure:
        make_client(emulator).create_registry("acme", create_body(emulator, "acme"))
    assert "does not say whether it was applied" in str(failure.value)
    assert emulator.count("POST") == 1
    assert emulator.registry("acme", "NPM_REGISTRY_SECRET") is not None


def test_no_server_is_a_transport_error() -> None:
    with socket.socket() as bound:  # bound, never listening: no other process can take the port
        bound.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{bound.getsockname()[1]}/"
        with pytest.raises(TransportError) as failure:
            GitHubClient("t", base_url, limits=FAST).list_registries("acme")
    assert not isinstance(failure.value, OutcomeUnknown)


def test_get_right_after_our_write_retries_a_404_briefly(emulator: Emulator) -> None:
    emulator.inject(method="GET", status=404, body={"message": "Not Found"}, times=2)
    emulator.put_registry(
        "acme", registry_type="npm_registry", url="https://r.example.com", visibility="all", value="v"
    )
    record = make_client(emulator).get_registry("acme", "NPM_REGISTRY_SECRET", expect_exists=True)
    assert record["name"] == "NPM_REGISTRY_SECRET"


def test_the_token_appears_in_no_error_and_no_repr(canary_emulator: Emulator) -> None:
    client = make_client(canary_emulator, token=CANARY_TOKEN)
    failures: list[GitHubError] = []
    for call in (
        lambda: client.get_registry("acme", "MISSING"),
        lambda: client.create_registry("acme", {"registry_type": "npm"}),
        lambda: client.list_registries("acme"),
    ):
        canary_emulator.inject(method="GET", path="/private-registries", status=500, times=100)
        try:
            call()
        except GitHubError as failure:
            failures.append(failure)
        canary_emulator.clear_faults()
    assert [type(f) for f in failures] == [ServerError, ValidationFailed, ServerError]
    for exc in failures:
        assert CANARY_TOKEN not in str(exc) and CANARY_TOKEN not in repr(exc)
    assert CANARY_TOKEN not in repr(client)


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        (429, {"Retry-After": "7"}, "", 7.0),
        (403, {"Retry-After": "3"}, "secondary rate limit", 3.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1100"}, "API rate limit exceeded", 101.0),
        (403, {}, "You have exceeded a secondary rate limit", 60.0),
        (429, {}, "", 60.0),
        (403, {"x-ratelimit-remaining": "12"}, "Resource not accessible", None),
        (500, {"Retry-After": "1"}, "", None),
    ],
)
def test_rate_limit_rules(status: int, headers: dict[str, str], message: str, expected: float | None) -> None:
    assert rate_limit_wait(status, headers, message, now=1000.0) == expected


def test_throttle_spaces_writes_but_not_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(Cancellation, "wait", lambda self, seconds, request: slept.append(seconds))
    throttle = Throttle(Limits(write_interval=1.0))
    for method in ("PATCH", "GET", "POST", "DELETE"):
        throttle.acquire(method, clock=lambda: 100.0)
        throttle.release()
    assert slept == [1.0, 2.0]  # the second and third writes wait their turn; the read does not


def test_throttle_pause_holds_every_request(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(Cancellation, "wait", lambda self, seconds, request: slept.append(seconds))
    throttle = Throttle(Limits())
    throttle.pause_until(130.0)
    throttle.acquire("GET", clock=lambda: 100.0)
    throttle.release()
    assert slept == [30.0]


def test_throttle_caps_requests_in_flight() -> None:
    throttle = Throttle(Limits(max_concurrency=2))
    throttle.acquire("GET")
    throttle.acquire("GET")
    third = threading.Thread(target=throttle.acquire, args=("GET",), daemon=True)
    third.start()
    third.join(0.2)
    assert third.is_alive(), "a third request waits for a slot"
    throttle.release()
    third.join(2)
    assert not third.is_alive()


def test_pagination_never_follows_a_link_to_another_host(emulator: Emulator) -> None:
    foreign = {"Link": '<https://elsewhere.example.com/orgs/acme/private-registries?page=2>; rel="next"'}
    emulator.inject(method="GET", status=200, headers=foreign, body={"total_count": 2, "configurations": []})
    with pytest.raises(GitHubError, match="leaves the configured API"):
        make_client(emulator).list_registries("acme")


@pytest.mark.parametrize(
    "header",
    ["Mon, 01 Jan 99999999999 00:00:00 GMT", "Mon, 01 Jan 2026 00:00:00 +9999", "x" * 10_000, "", None],
    ids=["year-past-9999", "offset-of-days", "long", "empty", "absent"],
)
def test_an_http_date_no_datetime_can_hold_is_no_date(header: str | None) -> None:
    # Such a Date on an installation token's answer raised OverflowError out of the request.
    assert http_date(header) is None


def test_an_http_date_is_read_with_its_zone() -> None:
    assert http_date("Wed, 21 Oct 2015 07:28:00 GMT") == datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc)
