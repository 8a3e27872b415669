"""The provider's configuration as each door checks it (issue #17, items 12, 13 and 15).

- The plugin's CheckConfig names every key at fault at once: a key of its namespace that is no
  setting (with the setting it resembles), an owner that is no GitHub login, and every bad value;
  what the engine itself adds to a provider's inputs is not refused.
- A token in the stack's config wins over a GitHub App that comes only from the environment (a
  stray ``GITHUB_APP_ID`` in a shell); where the environment's App is refused, the message says it
  came from the environment.
- Two configurations in one process each keep their own limits (retry budget, request timeout);
  only the clock that paces writes is shared.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from doors import Plugins, camel
from engine import up
from hosted import ProviderError
from provider_host import ProviderHost, configured_here
from pulumi_github_private_registry.core import pacing
from pulumi_github_private_registry.core.lifecycle import RegistryError
from pulumi_github_private_registry.core.pacing import Limits, process_throttle
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from pulumi_github_private_registry.tools import stackchecks
from samples import TOKEN, declaration

Deploy = Callable[..., ProviderHost]
NPM = "NPM_REGISTRY_SECRET"  # the registry of the sample "token" declaration
PACKAGE = "github-private-registry"
OWNER_RULE = (
    "must be a GitHub organization login: letters, digits and hyphens, not starting with a hyphen, at "
    "most 39 characters"
)


@pytest.fixture
def plugins(emulator: Emulator) -> Iterator[Plugins]:
    started = Plugins(emulator)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def _fails(call: Callable[[], Any]) -> str:
    """The error a provider host answered ``call`` with, as the user reads it."""
    with pytest.raises(ProviderError) as failure:
        call()
    return failure.value.details


# --- item 12: the plugin's CheckConfig --------------------------------------------------------------


def test_check_config_refuses_keys_that_are_no_setting_and_suggests_the_nearest(plugins: Plugins) -> None:
    host = plugins.start(configure=False)
    checked = host.check_config(
        {"token": "ghp_good", "baseURL": "https://github.example.com", "tokenz": "ghp_canary0815"}
    )

    # No property: the engine would print it and its value as they came; the reason names the key.
    assert [prop for prop, _ in checked.failures] == ["", ""]
    baseurl, tokenz = sorted(reason for _, reason in checked.failures)
    assert baseurl == f"'{PACKAGE}:baseURL' is no setting of the provider: did you mean {PACKAGE}:baseUrl?"
    assert tokenz.startswith(f"'{PACKAGE}:tokenz'") and tokenz.endswith(f"did you mean {PACKAGE}:token?")
    assert all("canary" not in reason for _, reason in checked.failures)
    assert "tokenz" in checked.inputs.secret, "a misspelled token's value goes back secret"


def test_check_config_lists_the_settings_when_no_key_is_near(plugins: Plugins) -> None:
    host = plugins.start(configure=False)
    checked = host.check_config({"token": "ghp_good", "colour\u202e": "blue"})

    assert [prop for prop, _ in checked.failures] == [""], "the engine would print a property as it came"
    reason = checked.failures[0][1]
    assert reason.startswith(
        f"'{PACKAGE}:colour?' is no setting of the provider; its settings: token, baseUrl"
    )
    assert "\u202e" not in reason


def test_check_config_accepts_what_the_engine_adds_to_a_providers_inputs(plugins: Plugins) -> None:
    host = plugins.start(configure=False)
    checked = host.check_config(
        {
            "token": "ghp_good",
            "owner": "acme",
            "version": "1.2.3",
            "pluginDownloadURL": "https://example.com/plugins",
            "__internal": {"name": PACKAGE},
        }
    )
    assert checked.failures == []


@pytest.mark.parametrize("owner", ["../../app", "acme/other", "-acme", "a" * 40, " acme", "acme\n"])
def test_check_config_refuses_an_owner_that_is_no_github_login(plugins: Plugins, owner: str) -> None:
    host = plugins.start(configure=False)
    checked = host.check_config({"token": "ghp_good", "owner": owner})

    assert checked.failures == [("owner", f"{PACKAGE}:owner {OWNER_RULE}")]


def test_check_config_reports_every_bad_key_at_once(plugins: Plugins) -> None:
    host = plugins.start(configure=False)
    checked = host.check_config(
        {
            "token": "ghp_good",
            "baseUrl": "http://github.example.com",
            "owner": "../../app",
            "requestTimeout": "inf",
            "maxConcurrency": 0,
            "apiVersion": "yesterday",
            "writeDelayMs": -1,
            "baseURL": "https://github.example.com",
        }
    )

    reasons = dict(checked.failures)
    assert sorted(prop for prop, _ in checked.failures) == sorted(
        ["baseUrl", "owner", "requestTimeout", "maxConcurrency", "apiVersion", "writeDelayMs", ""]
    )
    assert reasons[""].startswith(f"'{PACKAGE}:baseURL' is no setting of the provider")
    assert "plain http://" in reasons["baseUrl"]
    assert reasons["requestTimeout"] == f"{PACKAGE}:requestTimeout must be a number from 0.1 to 600"
    assert reasons["apiVersion"].startswith(f"{PACKAGE}:apiVersion must be an API version date")


def test_the_plugin_refuses_to_be_configured_with_an_owner_that_is_no_github_login(plugins: Plugins) -> None:
    failure = _fails(lambda: plugins.start(owner="../../app"))
    assert f"configuration: {PACKAGE}:owner {OWNER_RULE}" in failure


def test_the_dynamic_provider_refuses_an_owner_that_is_no_github_login(emulator: Emulator) -> None:
    with pytest.raises(RegistryError) as failure:
        _configured(emulator, **{"github:owner": "../../app"})
    assert str(failure.value).startswith(f"configuration: github:owner {OWNER_RULE}")


def test_validate_refuses_an_owner_that_is_no_github_login_as_the_providers_do(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    config = {"github:owner": "acme", f"{PACKAGE}:owner": "../../app", f"{PACKAGE}:baseURL": "x"}
    stack_file.write_text(yaml.safe_dump({"config": config}))
    _, problems = stackchecks.validate_file(stack_file)
    assert f"{PACKAGE}:owner {OWNER_RULE}" in problems
    assert f"{PACKAGE}:baseURL is no setting of the provider: did you mean {PACKAGE}:baseUrl?" in problems


# --- item 13: a GitHub App of the environment beside a configured token -----------------------------


@pytest.mark.parametrize(
    "stray",
    [{"GITHUB_APP_ID": "101"}, {"GITHUB_APP_INSTALLATION_ID": "7"}, {"GITHUB_APP_PEM_FILE": "x"}],
    ids=["id", "installation", "pem"],
)
def test_a_stray_app_variable_does_not_break_a_stack_that_sets_a_token(
    deployment: Deploy, emulator: Emulator, stray: dict[str, str]
) -> None:
    host = deployment(env=stray)  # github:token is configured
    id_, _, _ = up(host, declaration("token", "stray-app"))
    assert id_ == f"stray-app/{NPM}" and emulator.registry("stray-app", NPM) is not None


def test_a_configured_token_wins_over_a_complete_app_of_the_environment(
    deployment: Deploy, emulator: Emulator, pem: str
) -> None:
    host = deployment(env={"GITHUB_APP_ID": "101", "GITHUB_APP_PEM_FILE": pem})
    id_, _, _ = up(host, declaration("token", "token-wins"))
    assert id_ == f"token-wins/{NPM}"
    assert emulator.count(path="/app") == 0, "no App token was asked for"


def test_a_token_map_wins_over_an_incomplete_app_of_the_environment(
    deployment: Deploy, emulator: Emulator
) -> None:
    host = deployment(
        env={"GITHUB_APP_INSTALLATION_ID": "7"},
        **{"github:token": None, f"{PACKAGE}:tokens": {"mapped": TOKEN}},
    )
    id_, _, _ = up(host, declaration("token", "mapped"))
    assert id_ == f"mapped/{NPM}"


def test_the_plugin_keeps_its_token_beside_a_stray_app_variable(plugins: Plugins, emulator: Emulator) -> None:
    host = plugins.start(env={"GITHUB_APP_ID": "101"})
    id_, _, _ = up(host, camel(declaration("token", "plugin-stray")))
    assert id_ == f"plugin-stray/{NPM}"


def test_a_configured_token_refused_is_the_one_failure_beside_a_stray_app_variable(plugins: Plugins) -> None:
    host = plugins.start(configure=False, env={"GITHUB_APP_ID": "101"})
    checked = host.check_config({"token": "ghp_bad token"})

    assert [prop for prop, _ in checked.failures] == ["token"], "no App of the environment to set up"


def test_an_incomplete_app_of_the_environment_says_where_it_came_from(deployment: Deploy) -> None:
    host = deployment(
        env={"GITHUB_TOKEN": TOKEN, "GITHUB_APP_INSTALLATION_ID": "7"}, **{"github:token": None}
    )
    failure = _fails(lambda: host.check(declaration("token", "acme")))
    assert (
        "GITHUB_APP_ID must be the GitHub App's numeric id; a GitHub App is read from the environment "
        "because GITHUB_APP_INSTALLATION_ID is set: set GITHUB_APP_ID and GITHUB_APP_PEM_FILE too, or "
        "unset GITHUB_APP_INSTALLATION_ID to use a token"
    ) in failure


def test_a_token_and_an_app_both_of_the_environment_say_so(deployment: Deploy, pem: str) -> None:
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_APP_ID": "101", "GITHUB_APP_PEM_FILE": pem}
    host = deployment(env=env, **{"github:token": None})
    failure = _fails(lambda: host.check(declaration("token", "acme")))
    assert (
        "GITHUB_TOKEN and GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PEM_FILE are both set "
        "in the environment: remove GITHUB_TOKEN" in failure
    )
    assert TOKEN not in failure and "PRIVATE KEY" not in failure


# --- item 15: two configurations in one process -----------------------------------------------------


_configured = configured_here


def _rate_limit_the_next_list(emulator: Emulator, org: str) -> None:
    emulator.inject(
        method="GET", path=f"/orgs/{org}/private-registries", status=429, headers={"Retry-After": "1"}
    )


def _imported(provider: OrgPrivateRegistryProvider, org: str) -> str | None:
    """Read a registry by its id alone (``pulumi import``): one list of the org, never cached yet."""
    return provider.read(f"{org}/{NPM}", {}).id


def test_a_second_configuration_keeps_its_own_retry_budget(emulator: Emulator) -> None:
    for org in ("budget-a", "budget-b", "budget-c"):
        emulator.put_registry(
            org, registry_type="npm_registry", url="https://npm.example.com", visibility="all", value="v"
        )
    patient = _configured(emulator, **{f"{PACKAGE}:maxRetryWait": "60"})
    assert _imported(patient, "budget-a") == f"budget-a/{NPM}"  # the first configuration's client is made
    hasty = _configured(emulator, **{f"{PACKAGE}:maxRetryWait": "0"})
    emulator.reset_log()

    _rate_limit_the_next_list(emulator, "budget-b")
    with pytest.raises(RegistryError, match="GitHub's rate limit"):
        _imported(hasty, "budget-b")
    assert emulator.count("GET") == 1, "no wait on the rate limit: the budget is 0 s"

    _rate_limit_the_next_list(emulator, "budget-c")
    assert _imported(patient, "budget-c") == f"budget-c/{NPM}", "the first still waits, within its budget"
    assert emulator.count("GET") == 3


def test_a_second_configuration_keeps_its_own_request_timeout(emulator: Emulator) -> None:
    for org in ("timeout-a", "timeout-b"):
        emulator.put_registry(
            org, registry_type="npm_registry", url="https://npm.example.com", visibility="all", value="v"
        )
    assert _imported(_configured(emulator), "timeout-a") == f"timeout-a/{NPM}"
    hasty = _configured(emulator, **{f"{PACKAGE}:requestTimeout": "0.5"})
    emulator.reset_log()

    # Ten times the second configuration's timeout: its first attempt gives up and is sent again.
    emulator.inject(method="GET", path="/orgs/timeout-b/private-registries", delay=5.0)
    assert _imported(hasty, "timeout-b") == f"timeout-b/{NPM}"
    assert emulator.count("GET") >= 2, "the slow answer was given up on after 0.5 s, then asked again"


@pytest.mark.slow  # seconds of real waiting (timeouts, rate-limit windows)
def test_a_rate_limit_of_one_configuration_holds_no_other(emulator: Emulator) -> None:
    for org in ("pause-a", "pause-b", "pause-c"):
        emulator.put_registry(
            org, registry_type="npm_registry", url="https://npm.example.com", visibility="all", value="v"
        )
    patient = _configured(emulator, **{f"{PACKAGE}:maxRetryWait": "60"})
    other = _configured(emulator, **{f"{PACKAGE}:maxRetryWait": "0", "github:owner": "other"})
    assert _imported(patient, "pause-a") == f"pause-a/{NPM}"
    emulator.inject(
        method="GET", path="/orgs/pause-b/private-registries", status=429, headers={"Retry-After": "5"}
    )
    waiting = threading.Thread(target=_imported, args=(patient, "pause-b"))
    waiting.start()
    try:
        deadline = time.monotonic() + 30
        while emulator.count("GET", "/orgs/pause-b/private-registries") < 1 and time.monotonic() < deadline:
            time.sleep(0.01)

        # The patient configuration waits out its 5 s; the other reads at once, and without failing
        # on its budget of 0 s: the pause was not its own.
        assert _imported(other, "pause-c") == f"pause-c/{NPM}"
        assert waiting.is_alive() and emulator.count("GET", "/orgs/pause-b/private-registries") == 1
    finally:
        waiting.join(timeout=60)


def test_writes_of_every_configuration_are_spaced_on_one_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(pacing.Cancellation, "wait", lambda self, seconds, request: slept.append(seconds))
    # The process's clock, new for this test: the fake time below must not stay its last write.
    monkeypatch.setattr(pacing, "_PROCESS_PACING", pacing.Pacing())
    now = 1_000_000.0
    one_second = process_throttle(replace(Limits(), write_interval=1.0))
    half_a_second = process_throttle(replace(Limits(), write_interval=0.5))

    for throttle, method in ((one_second, "POST"), (half_a_second, "GET"), (half_a_second, "PATCH")):
        throttle.acquire(method, clock=lambda: now)
        throttle.release()

    assert slept == [0.5], "a read is not spaced; the second configuration's write waits its own 0.5 s"
