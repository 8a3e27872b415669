"""Every settings problem at once (issue #20, "Settings problems are data too").

``core.settings.resolve`` raises one ``SettingErrors`` carrying a ``SettingError`` per value it
refuses, each naming its setting; its message joins them ("; ", the first five, then "and N
more"), so that a single problem reads as it always did. Each door, ``validate`` and the stack
program show them all in one answer, beside the keys misspelt: ``maxConcurrency: "lots"`` and
``requestTimeout: "soon"`` are two problems everywhere. Lines are asserted whole, where users see them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.dynamic import Config, ConfigureRequest

from clitools import clean_environment
from doors import DOORS, Plugins
from hosted import refusal
from provider_host import ProviderHost
from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS as DYNAMIC
from pulumi_github_private_registry.audiences.keys import PACKAGE
from pulumi_github_private_registry.audiences.keys import PLUGIN_KEYS as PLUGIN
from pulumi_github_private_registry.core import settings
from pulumi_github_private_registry.core.errors import MAX_LINE
from pulumi_github_private_registry.core.settings import SettingError, SettingErrors
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider, RegistryError
from pulumi_github_private_registry.tools import stackchecks, stackconfig
from samples import declaration
from test_first_hour_validate_review import _program_fails

BAD: dict[str, Any] = {"maxConcurrency": "lots", "requestTimeout": "soon"}
"""Two values refused, by the plugin's names (the dynamic door's keys are in the package's namespace too)."""
BAD_KEYS = {f"{PACKAGE}:{name}": value for name, value in BAD.items()}
MAX_CONCURRENCY = f"{PACKAGE}:maxConcurrency must be a whole number from 1 to 100"
REQUEST_TIMEOUT = f"{PACKAGE}:requestTimeout must be a number from 0.1 to 600"
MISSPELT = (
    "github:baseurl is no key pulumi-github or this provider reads (config keys are case-sensitive): "
    "did you mean github:baseUrl?"
)


@pytest.fixture(autouse=True)
def _no_github_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


@pytest.fixture
def plugins(emulator: Emulator) -> Iterator[Plugins]:
    started = Plugins(emulator)
    yield started
    started.stop()


# --- the core: resolve raises them all, each naming its setting --------------------------------------


@pytest.mark.parametrize("keys", [DYNAMIC, PLUGIN], ids=["dynamic", "plugin"])
def test_resolve_raises_every_problem_at_once_each_naming_its_setting(keys: settings.Keys) -> None:
    with pytest.raises(SettingErrors) as failure:
        settings.resolve(BAD_KEYS, keys)

    errors = failure.value.errors
    assert [error.setting for error in errors] == [keys.max_concurrency, keys.request_timeout]
    assert [str(error) for error in errors] == [MAX_CONCURRENCY, REQUEST_TIMEOUT]
    assert str(failure.value) == f"{MAX_CONCURRENCY}; {REQUEST_TIMEOUT}"
    assert failure.value.setting is None, "two settings: no one of them is the setting at fault"
    assert [str(error) for error in settings.problems(BAD_KEYS, keys)] == [MAX_CONCURRENCY, REQUEST_TIMEOUT]


def test_one_problem_reads_as_it_always_did() -> None:
    with pytest.raises(SettingError) as failure:
        settings.resolve({f"{PACKAGE}:maxConcurrency": "lots"}, DYNAMIC)

    assert str(failure.value) == MAX_CONCURRENCY
    assert failure.value.setting == DYNAMIC.max_concurrency
    assert isinstance(failure.value, SettingErrors) and len(failure.value.errors) == 1


def test_past_five_problems_the_rest_are_counted() -> None:
    config = {
        "github:baseUrl": "http://github.example.com",
        "github:owner": "../../app",
        "github:writeDelayMs": "-1",
        **BAD_KEYS,
        f"{PACKAGE}:maxRetryWait": "never",
        f"{PACKAGE}:apiVersion": "yesterday",
    }
    with pytest.raises(SettingErrors) as failure:
        settings.resolve(config, DYNAMIC)

    assert len(failure.value.errors) == 7
    message = str(failure.value)
    assert message.count("; ") == 5 and message.endswith("; and 2 more")
    assert message.startswith("github:writeDelayMs must be a number from 0 to 60000; " + MAX_CONCURRENCY)


def test_problems_are_joined_as_the_dynamic_door_joins_misspelt_keys() -> None:
    assert settings.joined(["a"]) == "a"
    assert settings.joined(["a", "b"]) == "a; b"
    assert settings.joined([str(n) for n in range(7)]) == "0; 1; 2; 3; 4; and 2 more"


def test_a_problem_followed_by_another_loses_its_full_stop_not_the_last() -> None:
    assert settings.joined(["a.", "b."]) == "a; b."
    assert settings.joined(["a..."]) == "a..."
    assert settings.joined([f"{n}." for n in range(7)]) == "0; 1; 2; 3; 4; and 2 more"


# --- the doors ---------------------------------------------------------------------------------------


def test_the_dynamic_provider_names_misspelt_keys_and_every_bad_value_in_one_answer() -> None:
    provider = OrgPrivateRegistryProvider()
    config = {"github:token": "t", "github:baseurl": "https://github.example.com", **BAD_KEYS}

    with pytest.raises(RegistryError) as failure:
        provider.configure(ConfigureRequest(Config(config, stackconfig.PROJECT)))

    assert str(failure.value) == f"configuration: {MISSPELT}; {MAX_CONCURRENCY}; {REQUEST_TIMEOUT}"


@pytest.mark.parametrize("door", DOORS)
def test_each_door_refuses_every_bad_value_in_one_answer(
    door: str, deployment: Any, plugins: Plugins, emulator: Emulator
) -> None:
    if door == "dynamic":
        host: ProviderHost = deployment(**BAD_KEYS)
        details = refusal(lambda: host.check(declaration("token", "acme")))
    else:
        details = refusal(lambda: plugins.start(**BAD))
        assert details == f"configuration: {MAX_CONCURRENCY}; {REQUEST_TIMEOUT}", "the message alone"

    assert f"configuration: {MAX_CONCURRENCY}; {REQUEST_TIMEOUT}" in details
    assert emulator.requests == []


def test_the_dynamic_provider_names_a_refused_token_and_app_and_their_conflict_in_one_answer() -> None:
    config = {"github:token": "gh p_x", "github:appAuth": {"id": "x"}}

    with pytest.raises(RegistryError) as failure:
        OrgPrivateRegistryProvider().configure(ConfigureRequest(Config(config, stackconfig.PROJECT)))

    assert str(failure.value) == (
        "configuration: github:token holds a space, a control character or a non-ASCII character "
        "inside the token; GitHub tokens have none. Set it again: `pulumi config set --secret "
        "github:token` prompts for it; github:appAuth.id must be the GitHub App's numeric id; "
        "github:token and github:appAuth are both set: remove "
        "github:token to authenticate as the GitHub App, or github:appAuth to use the token"
    )


def test_the_dynamic_provider_host_names_a_misspelt_key_and_the_bad_values_together(
    deployment: Any, emulator: Emulator
) -> None:
    host = deployment(**{"github:baseurl": emulator.base_url, **BAD_KEYS})

    details = refusal(lambda: host.check(declaration("token", "acme")))

    assert f"configuration: {MISSPELT}; {MAX_CONCURRENCY}; {REQUEST_TIMEOUT}" in details


def test_the_plugins_check_config_names_a_key_that_is_no_setting_and_the_bad_values_together(
    plugins: Plugins,
) -> None:
    host = plugins.start(configure=False)

    checked = host.check_config({"token": "ghp_good", "baseURL": "https://github.example.com", **BAD})

    assert checked.failures == [
        ("", f"'{PACKAGE}:baseURL' is no setting of the provider: did you mean {PACKAGE}:baseUrl?"),
        ("maxConcurrency", MAX_CONCURRENCY),
        ("requestTimeout", REQUEST_TIMEOUT),
    ]


def test_the_plugins_check_config_redacts_and_bounds_a_refused_base_url(plugins: Plugins) -> None:
    host = plugins.start(configure=False)
    token_path = "ghp_" + "A" * 36

    checked = host.check_config({"baseUrl": f"http://ghe.example.com/{token_path}/"})
    long = host.check_config({"baseUrl": "http://ghe.example.com/" + "x" * 3000})

    assert checked.failures == [
        (
            "baseUrl",
            f"{PACKAGE}:baseUrl uses plain http:// to ghe.example.com, which would send the token in "
            "cleartext: use https://ghe.example.com/***/",
        )
    ]
    ((name, reason),) = long.failures
    assert name == "baseUrl" and len(reason) == MAX_LINE and reason.endswith("x…")


def test_the_plugins_check_config_names_a_token_and_a_refused_app_together(plugins: Plugins) -> None:
    host = plugins.start(configure=False)

    checked = host.check_config({"token": "ghp_good", "appAuth": {"id": "x"}})

    assert checked.failures == [
        ("appAuth", f"{PACKAGE}:appAuth.id must be the GitHub App's numeric id"),
        (
            "token",
            f"{PACKAGE}:token and {PACKAGE}:appAuth are both set: remove {PACKAGE}:token to "
            f"authenticate as the GitHub App, or {PACKAGE}:appAuth to use the token",
        ),
    ]


# --- validate and the stack program ------------------------------------------------------------------


def test_validate_prints_one_line_per_problem(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dev.yaml"
    config = {
        "github:owner": "acme",
        "github:baseurl": "https://github.example.com",
        **BAD_KEYS,
        stackconfig.full_key(stackconfig.REGISTRIES_KEY): [],
    }
    path.write_text(yaml.safe_dump({"config": config}))
    out = io.StringIO()

    status = stackchecks.validate([str(path)], out=out)

    assert status == 1
    assert out.getvalue().splitlines() == [
        f"{path}: {MISSPELT}",
        f"{path}: {MAX_CONCURRENCY}",
        f"{path}: {REQUEST_TIMEOUT}",
        f"{path}: 0 registries, 3 problems",
    ]


def test_the_stack_program_names_misspelt_keys_and_every_bad_value_before_declaring_anything() -> None:
    config = {
        stackconfig.full_key(stackconfig.REGISTRIES_KEY): [],
        "github:owner": "acme",
        "github:baseurl": "https://github.example.com",
        **BAD_KEYS,
    }

    assert _program_fails(config) == [MISSPELT, MAX_CONCURRENCY, REQUEST_TIMEOUT]


def test_the_stack_program_reads_a_bad_value_from_the_environment_as_the_provider_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_PRIVATE_REGISTRY_REQUEST_TIMEOUT", "soon")
    config = {stackconfig.full_key(stackconfig.REGISTRIES_KEY): [], "github:owner": "acme"}

    assert _program_fails(config) == [
        "GITHUB_PRIVATE_REGISTRY_REQUEST_TIMEOUT must be a number from 0.1 to 600"
    ]
