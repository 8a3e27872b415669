"""What an attacker, a misbehaving proxy and a tired user can do, through the real provider host.

One test (or one table) per defect of the hardening review: each failed on the provider as it was
(a leaked token, a registry lost or left behind, a hang, a traceback) and passes now. Everything
runs against the emulator on 127.0.0.1; faults are injected there.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml

from clitools import clean_environment
from engine import up
from hosted import ProviderError
from provider_host import ProviderHost
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.tools import cli, stackchecks
from samples import TOKEN, declaration

Deploy = Callable[..., ProviderHost]
NAME = "NPM_REGISTRY_SECRET"  # the registry of the sample "token" declaration (npm_registry)
LIST = "/private-registries"


def _fails(call: Callable[[], Any]) -> str:
    """What the user sees when ``call`` fails through the provider host."""
    with pytest.raises(ProviderError) as failure:
        call()
    assert failure.value.code is grpc.StatusCode.UNKNOWN, failure.value
    return failure.value.details


def _last_line(details: str) -> str:
    """The error itself: the host prints a traceback, whose last line is the exception."""
    return details.strip().splitlines()[-1]


# --- 1-3: tokens and base URLs ------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["\r\n", "\n", " ", "\t"])
def test_a_token_with_a_line_ending_from_a_file_works_and_is_never_shown(
    deployment: Deploy, emulator: Emulator, ending: str
) -> None:
    # `export GITHUB_TOKEN=$(cat token.txt)` on a file with CRLF endings keeps the "\r".
    host = deployment(**{"github:token": None}, env={"GITHUB_TOKEN": TOKEN + ending})

    id_, _, _ = up(host, declaration("token", "crlf"))

    assert id_ == f"crlf/{NAME}" and emulator.registry("crlf", NAME) is not None
    assert emulator.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "token",
    [
        "ghp_abc\r\ndef0123456789",
        "ghp_abc\x1b[0mdef0123456789",
        "ghp_abc def0123456789",
        "ghp_abcdéf0123456789",
    ],
    ids=["crlf-inside", "escape-inside", "space-inside", "non-latin1"],
)
@pytest.mark.parametrize("where", ["config", "environment"])
def test_a_token_that_cannot_be_sent_is_refused_naming_the_setting_and_showing_none_of_it(
    deployment: Deploy, emulator: Emulator, token: str, where: str
) -> None:
    if where == "config":
        host, setting = deployment(**{"github:token": token}), "github:token"
    else:
        host, setting = deployment(**{"github:token": None}, env={"GITHUB_TOKEN": token}), "GITHUB_TOKEN"

    details = _fails(lambda: up(host, declaration("token", "bad-token")))

    assert setting in _last_line(details)
    # Parts no path or number in a traceback can hold by chance (a bare "abcd" is hex).
    for part in ("ghp_abc", "def0123456789", "abcdéf"):
        assert part not in details and part not in host.stderr_text()
    assert "UnicodeEncodeError" not in details and "InvalidHeader" not in details
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://github.example.com", "https://github.example.com"),
        ("http://10.0.0.5:8080/api/v3", "cleartext"),
        ("https://user:hunter2-password@github.example.com", "user-info"),
        ("https://github.example.com/api/v3?x=1", "query"),
        ("https://github.example.com/api/v3#top", "fragment"),
        ("https://github.example.com/api;v=3/", "';' parameters"),
        ("https://github.example.com/api/v3/../../evil", "'..'"),
        ("https://github.example.com/api/v3/%2e%2e/evil", "percent-escapes"),
        ("https://github.example.com/api\r\n/v3", "control character"),
        ("https://github.example.com\\@evil.example.com/", "backslash"),
        ("ftp://github.example.com/", "'ftp' URL"),
        ("github.example.com", "absolute https:// URL"),
        ("https://github.example.com:99999/", "valid host and port"),
        ("https://[::1", "not a valid URL"),
        ("https://[zz]/", "not a valid URL"),
    ],
)
def test_a_base_url_that_would_leak_or_misroute_the_token_is_refused_before_any_request(
    deployment: Deploy, emulator: Emulator, base_url: str, expected: str
) -> None:
    host = deployment(**{"github:baseUrl": base_url})

    details = _fails(lambda: host.check(declaration("token", "acme")))

    assert "github:baseUrl" in _last_line(details) and expected in _last_line(details)
    assert "hunter2" not in details and "ValueError: github" not in details
    assert emulator.requests == []


def test_a_base_url_from_the_environment_is_named_as_the_environment_variable(deployment: Deploy) -> None:
    host = deployment(**{"github:baseUrl": None}, env={"GITHUB_BASE_URL": "http://github.example.com"})

    details = _fails(lambda: host.check(declaration("token", "acme")))

    assert "GITHUB_BASE_URL uses plain http://" in _last_line(details)


# --- 4: redirects -------------------------------------------------------------------------------


def test_a_redirected_delete_is_an_error_naming_the_base_url_to_use_and_deletes_nothing(
    deployment: Deploy, emulator: Emulator
) -> None:
    id_, outs, _ = up(deployment(), declaration("token", "moved"))
    target = f"https://ghes.example.com/api/v3/orgs/moved/private-registries/{NAME}"
    emulator.inject(method="DELETE", status=301, headers={"Location": target}, times=10)

    details = _fails(lambda: deployment().delete(id_, outs))

    message = _last_line(details)
    assert f"moved/{NAME}" in message and "301" in message and target in message
    assert "https://ghes.example.com/api/v3/" in message.split("set the base URL", 1)[1]
    assert emulator.registry("moved", NAME) is not None
    assert emulator.count("DELETE") == 1  # not followed, not retried


def test_a_redirected_secret_rotation_is_an_error_and_the_state_keeps_the_old_value(
    deployment: Deploy, emulator: Emulator
) -> None:
    news = declaration("token", "moved-patch")
    id_, outs, inputs = up(deployment(), news)
    emulator.inject(method="PATCH", status=307, headers={"Location": "https://elsewhere.example.com/x"})
    host = deployment()
    rotated = dict(news, value="rotated-value")
    checked = host.check(rotated, inputs)

    details = _fails(lambda: host.update(id_, outs, checked.inputs))

    assert "307" in _last_line(details) and "nothing was changed" in _last_line(details)
    assert emulator.decrypted_value("moved-patch", NAME) == news["value"]


def test_a_redirect_never_carries_the_token_to_another_origin(deployment: Deploy, emulator: Emulator) -> None:
    with Emulator() as elsewhere:
        emulator.inject(method="GET", status=302, headers={"Location": elsewhere.base_url + "orgs/acme/x"})

        _fails(lambda: up(deployment(), declaration("token", "acme")))

        assert elsewhere.requests == []


# --- 5: unusable bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"raw": b"<html><body>Bad gateway, but 201</body></html>", "headers": {"Content-Type": "text/html"}},
        {"raw": b""},
        {"body": {"created_at": "2026-01-01T00:00:00Z"}},
        {"body": ["not", "a", "registry"]},
        {"raw": b"[" * 200_000},
    ],
    ids=["html", "empty", "no-name", "a-list", "nested-too-deep"],
)
def test_a_create_answered_with_an_unusable_body_is_resolved_by_lookup(
    deployment: Deploy, emulator: Emulator, answer: dict[str, Any]
) -> None:
    org = "odd-201"
    news = declaration("token", org)
    emulator.inject(method="POST", status=201, apply=True, **answer)

    id_, outs, _ = up(deployment(), news)

    assert id_ == f"{org}/{NAME}" and outs["name"] == NAME
    assert list(emulator.registries(org)) == [NAME]
    assert emulator.decrypted_value(org, NAME) == news["value"]
    assert emulator.count("POST") == 1  # it was made: no second create, no "set adopt: true" next run


@pytest.mark.parametrize(
    ("endpoint", "answer"),
    [
        ("list", {"raw": b"<html>sign in</html>", "headers": {"Content-Type": "text/html"}}),
        ("list", {"body": {"total_count": 1, "configurations": "NPM_REGISTRY_SECRET"}}),
        ("list", {"body": {"total_count": 1, "configurations": [{"name": "../../x"}]}}),
        ("list", {"body": {"total_count": 1, "configurations": [{"name": NAME, "visibility": ["all"]}]}}),
        ("public-key", {"raw": b"", "headers": {}}),
        ("public-key", {"body": {"key_id": "1", "key": "not base64!"}}),
        ("public-key", {"body": {"key": "AAAA"}}),
    ],
    ids=[
        "list-html",
        "list-not-a-list",
        "list-bad-name",
        "list-bad-field",
        "key-empty",
        "key-bad",
        "key-no-id",
    ],
)
def test_a_read_answered_with_an_unusable_body_is_a_clean_error_naming_the_endpoint(
    deployment: Deploy, emulator: Emulator, endpoint: str, answer: dict[str, Any]
) -> None:
    org = "odd-read"
    path = f"/orgs/{org}/private-registries" + ("/public-key" if endpoint == "public-key" else "")
    # Paths match as substrings: the list's path matches the first GET of a create, which is the list.
    emulator.inject(method="GET", path=path, status=200, **answer)

    details = _fails(lambda: up(deployment(), declaration("token", org)))

    message = _last_line(details)
    assert f"GET {path}" in message and "not what its API documents" in message
    for crash in ("JSONDecodeError", "KeyError", "TypeError", "AttributeError", "internal error"):
        assert crash not in details
    assert emulator.count("POST") == 0


def test_an_unusable_answer_to_the_read_after_an_update_is_a_clean_error(
    deployment: Deploy, emulator: Emulator
) -> None:
    news = declaration("token", "odd-get")
    id_, outs, inputs = up(deployment(), news)
    emulator.inject(method="GET", path=f"/{NAME}", status=200, raw=b"{not json")
    host = deployment()
    checked = host.check(dict(news, url="https://npm.pkg.github.com/acme/v2"), inputs)

    details = _fails(lambda: host.update(id_, outs, checked.inputs))

    assert f"GET /orgs/odd-get/private-registries/{NAME}" in _last_line(details)
    assert "not JSON" in _last_line(details) and "JSONDecodeError" not in details


# --- 6: pagination ----------------------------------------------------------------------------------


def _page(link: str) -> dict[str, Any]:
    """An empty list page whose next-page link is ``link``."""
    return {
        "status": 200,
        "headers": {"Link": f'<{link}>; rel="next"'},
        "body": {"total_count": 30, "configurations": []},
    }


def test_a_next_page_link_back_to_the_same_page_is_not_followed_forever(
    deployment: Deploy, emulator: Emulator
) -> None:
    org = "loop"
    url = f"{emulator.base_url}orgs/{org}/private-registries?per_page=100"
    emulator.inject(method="GET", path=f"/orgs/{org}/private-registries", times=1000, **_page(url))

    details = _fails(lambda: up(deployment(), declaration("token", org)))

    assert "page already read" in _last_line(details)
    assert emulator.count("GET") == 1 and emulator.count("POST") == 0


def test_a_next_page_link_to_another_orgs_list_is_refused_and_a_refresh_does_not_keep_a_deleted_registry(
    deployment: Deploy, emulator: Emulator
) -> None:
    id_, outs, inputs = up(deployment(), declaration("token", "ours"))
    up(deployment(), declaration("token", "theirs"))
    emulator.delete_registry("ours", NAME)  # deleted outside Pulumi; "theirs" still has one
    other = f"{emulator.base_url}orgs/theirs/private-registries?per_page=100"
    emulator.inject(method="GET", path="/orgs/ours/private-registries", **_page(other))
    emulator.reset_log()

    details = _fails(lambda: deployment().read(id_, outs, inputs))

    assert "leaves the configured API or this org's list" in _last_line(details)
    assert [r.path for r in emulator.requests] == ["/orgs/ours/private-registries"]


def test_pagination_still_follows_the_same_orgs_pages(deployment: Deploy) -> None:
    with Emulator(token=TOKEN, max_per_page=2) as small:
        for auth_type in ("token", "username_password", "oidc_azure", "oidc_aws", "oidc_jfrog"):
            small.put_registry("paged", **_record_of(declaration(auth_type, "paged"), small))
        id_, _, _ = up(deployment(small), declaration("oidc_gcp", "paged", adopt=False))
        assert id_ == "paged/HELM_REGISTRY_SECRET"
        assert small.count("GET", "/orgs/paged/private-registries") >= 3  # three pages listed


def _record_of(news: dict[str, Any], emulator: Emulator) -> dict[str, Any]:
    fields = {k: v for k, v in news.items() if k not in ("org", "value", "adopt")}
    if "selected_repository_ids" in fields:
        fields["selected_repository_ids"] = [int(i) for i in fields["selected_repository_ids"]]
    return {**fields, **({"value": news["value"]} if "value" in news else {})}


# --- 7-9: waits, deadlines and error sizes ------------------------------------------------------------


@pytest.mark.parametrize("retry_after", ["0", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_a_rate_limit_asking_for_no_wait_is_not_a_busy_loop(
    deployment: Deploy, emulator: Emulator, retry_after: str
) -> None:
    emulator.inject(method="GET", status=429, headers={"Retry-After": retry_after}, times=1000)
    host = deployment(**{"github-private-registry:maxRetryWait": "3"})
    started = time.monotonic()

    details = _fails(lambda: up(host, declaration("token", "busy")))

    assert "rate limit" in _last_line(details)
    assert emulator.count("GET") <= 4  # waits of at least 1 s, 3 s in all
    assert time.monotonic() - started < 30


def test_an_answer_trickled_byte_by_byte_is_cut_at_the_request_timeout(
    deployment: Deploy, emulator: Emulator
) -> None:
    # 60 bytes at one every 0.5 s would hold the request for 30 s; each socket read is quick.
    emulator.inject(
        method="GET",
        status=200,
        body={"total_count": 0, "configurations": [], "pad": "x" * 20},
        trickle=0.5,
        times=10,
    )
    host = deployment(**{"github-private-registry:requestTimeout": "1"})
    started = time.monotonic()

    details = _fails(lambda: up(host, declaration("token", "loris")))

    elapsed = time.monotonic() - started
    assert "no complete answer within 1 s" in _last_line(details)
    assert elapsed < 15, elapsed  # about 1 s; the trickle alone would hold it for 30 s
    assert emulator.count("POST") == 0


def test_a_huge_error_from_github_is_bounded_and_still_reaches_the_user(
    deployment: Deploy, emulator: Emulator
) -> None:
    errors = [
        {
            "resource": "PrivateRegistry",
            "field": "url",
            "code": "invalid",
            "message": f"reason {i} " + "x" * 40,
        }
        for i in range(2000)
    ]
    emulator.inject(method="POST", status=422, body={"message": "Validation Failed", "errors": errors})

    details = _fails(lambda: up(deployment(), declaration("token", "huge")))

    message = _last_line(details)
    assert "reason 0 " in message and "reason 4 " in message and "1995 more left out" in message
    assert len(details) < 8000


# --- 10-12: paths, ids, inputs and odd state ------------------------------------------------------------


@pytest.mark.parametrize(
    "id_",
    [
        "acme/..",
        "acme/.",
        "../NPM_REGISTRY_SECRET",
        "acme/NPM/../..",
        "acme/npm_registry_secret",
        "acme/NPM_REGISTRY_SECRET?x=1",
        "acme/NPM_REGISTRY_SECRET\n",
        "acme\n/NPM_REGISTRY_SECRET",
        "acme",
        "a" * 5000 + "/NPM_REGISTRY_SECRET",
    ],
)
def test_a_malformed_id_in_state_fails_before_any_request_and_changes_nothing(
    deployment: Deploy, emulator: Emulator, id_: str
) -> None:
    _, outs, inputs = up(deployment(), declaration("token", "acme"))
    emulator.reset_log()
    host = deployment()

    for call in (lambda: host.delete(id_, outs), lambda: host.read(id_, outs, inputs)):
        details = _fails(call)
        assert "nothing was sent to GitHub" in _last_line(details) and len(details) < 8000

    assert emulator.requests == []
    assert emulator.registry("acme", NAME) is not None


@pytest.mark.parametrize(
    "org",
    [
        "..",
        ".",
        "a/b",
        "?x",
        "acme\r\nX-Injected: 1",
        "a" * 5000,
        "-acme",
        "acme_x",
        "acme\n",
        "a" * 40,
        "acme%2f..",
        "acme\u202e",
    ],
)
def test_an_org_that_is_not_a_github_login_is_refused_at_check(deployment: Deploy, org: str) -> None:
    checked = deployment().check(declaration("token", org))

    assert [field for field, _ in checked.failures] == ["org"]
    assert "organization login" in checked.failures[0][1]


def test_an_owner_that_is_not_a_github_login_is_refused_at_check(deployment: Deploy) -> None:
    news = {k: v for k, v in declaration("token", "x").items() if k != "org"}
    host = deployment(**{"github:owner": "../x"})

    # Refused with the configuration, naming the key (tests/doors/test_config_checks.py), before a request.
    refused = _fails(lambda: host.check(news))
    assert "configuration: github:owner must be a GitHub organization login" in refused


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "https://npm.pkg.github.com/acme\n"}, "url"),
        ({"url": "https://npm.pkg.\tgithub.com/acme"}, "url"),
        ({"url": "https://npm.pkg.github.com/\u202eemca"}, "url"),
        ({"url": "https://npm.pkg.github.com:99999/acme"}, "url"),
        ({"url": "https://npm.pkg.github.com:port/acme"}, "url"),
        ({"url": "https://bot:s3cr3t@npm.pkg.github.com/acme"}, "url"),
        ({"url": "https://[x/"}, "url"),
        ({"visibility": "selected", "selected_repository_ids": [1e20]}, "selected_repository_ids"),
        ({"visibility": "selected", "selected_repository_ids": [2.0**64]}, "selected_repository_ids"),
        ({"visibility": "selected", "selected_repository_ids": [2**64]}, "selected_repository_ids"),
        ({"auth_type": ""}, "auth_type"),
        ({"username": "bot\u202e"}, "username"),
    ],
    ids=[
        "url-newline",
        "url-tab",
        "url-bidi",
        "url-port",
        "url-port-text",
        "url-userinfo",
        "url-bad-host",
        "id-1e20",
        "id-2^64-float",
        "id-2^64",
        "auth-type-empty",
        "username-bidi",
    ],
)
def test_check_rejects_values_github_cannot_take_naming_the_field(
    deployment: Deploy, emulator: Emulator, changes: dict[str, Any], field: str
) -> None:
    checked = deployment().check({**declaration("token", "acme"), **changes})

    assert field in [f for f, _ in checked.failures], checked.failures
    assert "s3cr3t" not in json.dumps(checked.failures)
    assert emulator.requests == []


@pytest.mark.parametrize("ids", ["abc", [[1]], [math.nan], [math.inf], [1.5], {"a": 1}])
def test_odd_repository_ids_in_state_plan_an_update_and_refresh_without_a_crash(
    deployment: Deploy, emulator: Emulator, ids: Any
) -> None:
    news = declaration("token", "odd-state", visibility="selected", selected_repository_ids=[7.0])
    id_, outs, inputs = up(deployment(), news)
    state = dict(outs, selected_repository_ids=ids)
    host = deployment()

    diff = host.diff(id_, state, inputs)
    read = host.read(id_, state, dict(inputs, selected_repository_ids=ids))

    assert diff.changes == "some" and diff.replaces == []
    assert read.id == id_


# --- 13: two resources, one registry ---------------------------------------------------------------------


def test_two_resources_adopting_one_registry_in_one_deployment_all_but_one_fail(
    deployment: Deploy, emulator: Emulator
) -> None:
    host = deployment()
    declarations = [
        declaration(
            "token",
            "shared",
            adopt=True,
            value=f"value-{i}",
            url=f"https://npm{i}.example.com/deploy-tok{i}/",
        )
        for i in range(8)
    ]
    checked = [host.check(news).inputs for news in declarations]

    def create(inputs: dict[str, Any]) -> str | None:
        try:
            host.create(inputs)
        except ProviderError as failure:
            return failure.details
        return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(create, checked))

    failures = [r for r in results if r is not None]
    assert len(failures) == 7
    winner = results.index(None)
    for details in failures:
        assert f"shared/{NAME}" in details and "two OrgPrivateRegistry resources" in details
        # Told apart by their URLs' hosts; a URL's path (it may hold a deploy token) is never shown.
        assert f"url 'https://npm{winner}.example.com'" in details and "deploy-tok" not in details
    assert emulator.decrypted_value("shared", NAME) == f"value-{winner}"
    assert emulator.count("POST") == 1


def test_a_replacement_that_deletes_first_may_create_the_same_registry_in_one_process(
    deployment: Deploy, emulator: Emulator
) -> None:
    host = deployment()
    id_, outs, _ = up(host, declaration("token", "replaced"))
    host.delete(id_, outs)

    second, _, _ = up(host, declaration("token", "replaced", url="https://npm.pkg.github.com/acme/v2"))

    assert second == id_ and emulator.registry("replaced", NAME) is not None


def test_already_exists_says_a_renamed_resource_needs_aliases_not_adopt(
    deployment: Deploy, emulator: Emulator
) -> None:
    up(deployment(), declaration("token", "renamed"))

    details = _fails(lambda: up(deployment(), declaration("token", "renamed")))

    assert "aliases" in _last_line(details) and "adopt: true" in _last_line(details)


# --- 16: what a connection error and a missing token say ----------------------------------------------


def test_a_connection_error_keeps_its_useful_end(deployment: Deploy, closed_port: int) -> None:
    host = deployment(**{"github:baseUrl": f"http://127.0.0.1:{closed_port}/"})

    details = _fails(lambda: up(host, declaration("token", "acme")))

    message = _last_line(details)
    assert f"127.0.0.1:{closed_port}: connection refused" in message and "object at 0x" not in message


def test_the_missing_token_message_keeps_the_token_out_of_shell_history(deployment: Deploy) -> None:
    host = deployment(**{"github:token": None})

    message = _last_line(_fails(lambda: up(host, declaration("token", "acme"))))

    assert "`pulumi config set --secret github:token`" in message and "<TOKEN>" not in message
    assert "GITHUB_TOKEN" in message


# --- the same rules in the CLI: discover and validate -----------------------------------------------


def _discover(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["discover", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def no_github_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


@pytest.mark.usefixtures("no_github_environment")
def test_discover_takes_a_token_with_a_crlf_ending(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN + "\r\n")

    status, out, err = _discover(capsys, "--org", "acme", "--base-url", emulator.base_url)

    assert (status, err) == (0, "acme: 0 registries\n") and "has no private registries" in out


@pytest.mark.usefixtures("no_github_environment")
@pytest.mark.parametrize("token", ["ghp_Canary\r\nX-Evil: 1", "ghp_Canaryé"])
def test_discover_refuses_a_token_it_cannot_send_naming_the_variable_and_showing_none_of_it(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("MY_TOKEN", token)

    status, out, err = _discover(
        capsys, "--org", "acme", "--base-url", emulator.base_url, "--token-env", "MY_TOKEN"
    )

    assert (status, out) == (1, "") and "MY_TOKEN" in err
    assert "Canary" not in err and "Traceback" not in err
    assert emulator.requests == []


@pytest.mark.usefixtures("no_github_environment")
@pytest.mark.parametrize(
    ("flag", "env"),
    [(["--base-url", "http://ghes.example.com"], {}), ([], {"GITHUB_BASE_URL": "http://ghes.example.com"})],
)
def test_discover_refuses_a_plain_http_base_url_naming_where_it_came_from(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, flag: list[str], env: dict[str, str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    status, _, err = _discover(capsys, "--org", "acme", *flag)

    assert status == 1 and ("--base-url" if flag else "GITHUB_BASE_URL") in err and "cleartext" in err


@pytest.mark.usefixtures("no_github_environment")
def test_discover_refuses_an_org_that_would_move_the_path(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)

    status, _, err = _discover(capsys, "--org", "../../user", "--base-url", emulator.base_url)

    assert status == 1 and "organization login" in err and emulator.requests == []


@pytest.mark.parametrize(
    "base_url",
    ["http://ghes.example.com", "https://bot:pw@ghes.example.com", "https://ghes.example.com/../x"],
)
def test_validate_refuses_a_base_url_the_provider_would_refuse(tmp_path: Path, base_url: str) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(
        yaml.safe_dump({"config": {"github:baseUrl": base_url, "github-private-registries:registries": []}})
    )

    _, problems = stackchecks.validate_file(stack_file)

    assert any(p.startswith("github:baseUrl") for p in problems), problems
    assert "pw@" not in json.dumps(problems)


# --- found by the adversarial review of the fixes above ------------------------------------------


@pytest.mark.parametrize("status", [200, 202])
def test_a_delete_answered_by_a_sign_in_page_is_not_taken_for_done(
    deployment: Deploy, emulator: Emulator, status: int
) -> None:
    id_, outs, _ = up(deployment(), declaration("token", "signin"))
    emulator.inject(
        method="DELETE",
        status=status,
        raw=b"<html>Please sign in</html>",
        headers={"Content-Type": "text/html"},
    )

    details = _fails(lambda: deployment().delete(id_, outs))

    assert f"{status} instead of 204" in _last_line(details)
    assert emulator.registry("signin", NAME) is not None


def test_a_secret_rotation_answered_by_a_block_page_is_not_recorded(
    deployment: Deploy, emulator: Emulator
) -> None:
    news = declaration("token", "blocked")
    id_, outs, inputs = up(deployment(), news)
    emulator.inject(method="PATCH", status=200, raw=b"<html>Blocked by policy</html>")
    host = deployment()
    checked = host.check(dict(news, value="rotated-value"), inputs)

    details = _fails(lambda: host.update(id_, outs, checked.inputs))

    assert "200 instead of 204" in _last_line(details)
    assert emulator.decrypted_value("blocked", NAME) == news["value"]


def test_a_renamed_resource_that_adopts_its_registry_keeps_it_when_the_old_one_is_deleted(
    deployment: Deploy, emulator: Emulator
) -> None:
    # `pulumi up` after a rename without aliases: create the new resource (adopting), delete the old.
    old_id, old_outs, _ = up(deployment(), declaration("token", "renamed-adopt"))
    host = deployment()
    new_id, _, _ = up(host, declaration("token", "renamed-adopt", adopt=True, value="same-value"))

    host.delete(old_id, old_outs)

    assert new_id == old_id
    assert emulator.decrypted_value("renamed-adopt", NAME) == "same-value"
    assert emulator.count("DELETE") == 0


def test_a_resource_may_not_adopt_the_registry_another_resource_of_the_deployment_manages(
    deployment: Deploy, emulator: Emulator
) -> None:
    id_, outs, inputs = up(deployment(), declaration("token", "kept-by-a"))
    host = deployment()
    assert host.diff(id_, outs, inputs).changes == "none"  # the engine diffs the unchanged one

    details = _fails(lambda: up(host, declaration("token", "kept-by-a", adopt=True, value="other")))

    assert "two OrgPrivateRegistry resources" in _last_line(details)
    assert emulator.decrypted_value("kept-by-a", NAME) == declaration("token", "x")["value"]


def test_redaction_comes_before_any_cut(deployment: Deploy, emulator: Emulator) -> None:
    # GitHub's message is bounded; a token straddling the cut must not survive in part.
    token = "tok" + "e" * 37
    emulator_with_token = Emulator(token=token).start()
    try:
        message = "x" * 260 + " echoed " + token
        emulator_with_token.inject(method="GET", status=404, body={"message": message})
        host = deployment(emulator_with_token, **{"github:token": token})

        details = _fails(lambda: up(host, declaration("token", "cut")))

        assert "xxxx" in details and token[:16] not in details and "e" * 16 not in details
    finally:
        emulator_with_token.stop()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "\u00b2"}, "rate limit"),
        ({"Retry-After": "9" * 30}, "rate limit"),
    ],
    ids=["superscript-two", "thirty-digits"],
)
def test_an_odd_retry_after_is_a_clean_rate_limit_error(
    deployment: Deploy, emulator: Emulator, headers: dict[str, str], expected: str
) -> None:
    emulator.inject(method="GET", status=429, headers=headers, times=10)

    details = _fails(
        lambda: up(
            deployment(**{"github-private-registry:maxRetryWait": "1"}), declaration("token", "odd-wait")
        )
    )

    assert expected in _last_line(details) and "internal error" not in details


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("GET", {"Link": '<http://[x/>; rel="next"'}, "not a valid URL"),
        ("DELETE", {"Location": "https://ghes.example.com:99999/x"}, "redirect"),
    ],
)
def test_a_malformed_link_or_location_is_a_clean_error(
    deployment: Deploy, emulator: Emulator, method: str, headers: dict[str, str], expected: str
) -> None:
    id_, outs, _ = up(deployment(), declaration("token", "odd-link"))
    status = 200 if method == "GET" else 301
    body = {"total_count": 1, "configurations": []} if method == "GET" else None
    emulator.inject(method=method, status=status, headers=headers, body=body)
    host = deployment()

    call = (lambda: host.read(id_, outs, outs)) if method == "GET" else (lambda: host.delete(id_, outs))
    details = _fails(call)

    assert expected in _last_line(details) and "internal error" not in details
    assert emulator.registry("odd-link", NAME) is not None


@pytest.fixture
def stalling_proxy() -> Iterator[str]:
    """An HTTP proxy that accepts CONNECT, then sends one header line every 0.3 s (at most 200)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    done = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n")
                for _ in range(200):
                    if done.wait(0.3):
                        return
                    conn.sendall(b"X-Stall: 1\r\n")
            except OSError:
                return

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    done.set()
    thread.join(timeout=5)
    server.close()


def test_a_proxy_that_stalls_while_connecting_is_cut_at_the_request_timeout(
    deployment: Deploy, stalling_proxy: str
) -> None:
    host = deployment(
        **{"github:baseUrl": "https://ghes.example.com", "github-private-registry:requestTimeout": "1"},
        env={"HTTPS_PROXY": stalling_proxy, "NO_PROXY": ""},
    )
    started = time.monotonic()

    details = _fails(lambda: up(host, declaration("token", "stalled")))

    assert "no complete answer within 1 s" in _last_line(details)
    # 5 attempts of at most 2 s and urllib3's backoff: about 14 s; a stall without the cut never ends.
    assert time.monotonic() - started < 40


def test_validate_never_echoes_a_secret_pasted_where_its_key_belongs(tmp_path: Path) -> None:
    pasted = "ghp_" + "R3alTok3n" * 4
    entry = {"registry_type": "npm_registry", "url": "https://npm.pkg.github.com", "visibility": "all"}
    for secret in (pasted, pasted + ":x", "npm token " + pasted):
        stack_file = tmp_path / "Pulumi.dev.yaml"
        stack_file.write_text(
            yaml.safe_dump(
                {
                    "config": {
                        "github:owner": "acme",
                        "github-private-registries:registries": [{**entry, "secret": secret}],
                    }
                }
            )
        )

        _, problems = stackchecks.validate_file(stack_file)

        assert problems and "R3alTok3n" not in json.dumps(problems)


def test_a_replacement_whose_create_failed_after_its_delete_is_created_on_the_next_run(
    deployment: Deploy, emulator: Emulator
) -> None:
    id_, outs, inputs = up(deployment(), declaration("token", "pending"))
    news = declaration("username_password", "pending", registry_type="npm_registry")
    # Run 2: the auth type changes, so delete first; the create then fails.
    host = deployment()
    checked = host.check(news, inputs).inputs
    assert host.diff(id_, outs, checked).delete_before_replace
    host.delete(id_, outs)
    emulator.inject(method="POST", status=422, body={"message": "Validation Failed", "errors": ["try later"]})
    _fails(lambda: host.create(checked))
    # Run 3: the old resource is pending replacement: the engine diffs it again, then creates.
    host = deployment()
    checked = host.check(news, inputs).inputs
    host.diff(id_, outs, checked)

    new_id, _ = host.create(checked)

    assert new_id == id_ and emulator.registry("pending", NAME) is not None


def test_a_replacement_the_engine_decides_deletes_first_when_the_name_stays(deployment: Deploy) -> None:
    # replaceOnChanges: ["url"] makes the engine replace although the provider updates in place.
    id_, outs, inputs = up(deployment(), declaration("token", "forced"))
    host = deployment()
    checked = host.check(declaration("token", "forced", url="https://npm.pkg.github.com/acme/v2"), inputs)

    diff = host.diff(id_, outs, checked.inputs)

    assert diff.replaces == [] and diff.delete_before_replace is True
    host.delete(id_, outs)
    assert host.create(checked.inputs)[0] == id_


def test_rate_limit_waits_are_budgeted_for_the_whole_operation_not_each_request(
    deployment: Deploy, emulator: Emulator
) -> None:
    # A create lists the org, then fetches its key: 3 s of waits on each would be 6 s for the create.
    org = "budget"
    limited: dict[str, Any] = {"status": 429, "headers": {"Retry-After": "1"}, "times": 3}
    emulator.inject(method="GET", path=f"/orgs/{org}/private-registries/public-key", **limited)
    emulator.inject(method="GET", path=f"/orgs/{org}/private-registries", **limited)
    host = deployment(**{"github-private-registry:maxRetryWait": "4"})

    details = _fails(lambda: up(host, declaration("token", org)))

    assert "rate limit" in _last_line(details) and "maxRetryWait" in _last_line(details)
    assert emulator.count("GET") == 6  # 3 limited lists, then the list, then 1 + 1 waits on the key
    assert emulator.count("POST") == 0
