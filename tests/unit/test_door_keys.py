"""A door's keys are a value (issue 20): the core's messages name settings as the settings in force
name them, the dynamic door's, the plugin's or the command-line tools' (their environment variables)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clitools import clean_environment, discover
from pulumi_github_private_registry.audiences.keys import COMMAND_KEYS, DYNAMIC_KEYS, PLUGIN_KEYS
from pulumi_github_private_registry.audiences.plugin import PLUGIN
from pulumi_github_private_registry.core import lifecycle, settings
from pulumi_github_private_registry.core.access import connect
from pulumi_github_private_registry.core.credentials import credentials_for
from pulumi_github_private_registry.core.errors import AuthenticationError, GitHubError, RateLimited
from pulumi_github_private_registry.core.settings import Keys, Settings
from pulumi_github_private_registry.emulator import Emulator

RATE_LIMITED = {"message": "You have exceeded a secondary rate limit."}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


def _rate_limit_message(emulator: Emulator, found: Settings) -> str:
    """The rate limit's message of a client built from ``found``, told to wait no time at all."""
    emulator.inject(method="GET", status=429, headers={"Retry-After": "600"}, body=RATE_LIMITED)
    access = connect(found)
    try:
        with pytest.raises(RateLimited) as failure:
            access.client.list_registries("acme")
    finally:
        access.close()
    return str(failure.value)


def test_discover_names_the_variable_that_lets_it_wait_longer_on_a_rate_limit(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_PRIVATE_REGISTRY_MAX_RETRY_WAIT", "0")
    emulator.inject(method="GET", status=429, headers={"Retry-After": "600"}, body=RATE_LIMITED, times=5)

    status, out, err = discover(capsys, "--org", "acme", "--base-url", emulator.base_url)

    assert (status, out) == (1, "")
    assert "raise GITHUB_PRIVATE_REGISTRY_MAX_RETRY_WAIT to wait longer" in err
    assert "maxRetryWait" not in err


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        (DYNAMIC_KEYS, "github-private-registry:maxRetryWait"),
        (PLUGIN_KEYS, "github-private-registry:maxRetryWait"),
        (COMMAND_KEYS, "GITHUB_PRIVATE_REGISTRY_MAX_RETRY_WAIT"),
    ],
    ids=["dynamic", "plugin", "commands"],
)
def test_a_rate_limit_names_where_the_settings_in_force_set_the_wait(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, keys: Keys, named: str
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_PRIVATE_REGISTRY_MAX_RETRY_WAIT", "0")
    found = settings.resolve({}, keys) if keys is not COMMAND_KEYS else settings.from_environment(keys)

    message = _rate_limit_message(emulator, replace(found, base_url=emulator.base_url))

    assert message.endswith(f"or raise {named} to wait longer.")


def test_a_client_no_door_made_names_no_key() -> None:
    limited = RateLimited("GET /x", 429, 0.0, "slow down")
    rejected = AuthenticationError("GET /x", "Bad credentials")

    assert str(limited).endswith("(in 0 s).")
    assert str(rejected).endswith("GitHub rejected the token (Bad credentials). Set a valid token.")


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        (DYNAMIC_KEYS, "github-private-registry:apiVersion or GITHUB_API_VERSION"),
        (COMMAND_KEYS, "GITHUB_API_VERSION"),
    ],
    ids=["dynamic", "commands"],
)
def test_a_refused_api_version_names_where_it_is_set(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, keys: Keys, named: str
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    emulator.inject(method="GET", status=400, body={"message": "Unsupported 'X-GitHub-Api-Version'"})
    found = settings.resolve({}, keys) if keys is not COMMAND_KEYS else settings.from_environment(keys)
    access = connect(replace(found, base_url=emulator.base_url))

    with pytest.raises(GitHubError) as failure:
        access.client.list_registries("acme")
    access.close()

    assert f"set {named} to one this server supports" in str(failure.value)


@pytest.mark.parametrize(
    ("keys", "token"), [(DYNAMIC_KEYS, "github:token"), (PLUGIN_KEYS, "github-private-registry:token")]
)
def test_a_base_url_with_user_info_names_the_doors_own_token_key(keys: Keys, token: str) -> None:
    with pytest.raises(settings.SettingError) as failure:
        settings.resolve({keys.base_url.key: "https://deploy:secret@ghes.example.com"}, keys)

    assert str(failure.value) == (
        f"{keys.base_url.key} must not contain user-info (user:password@): put the token in "
        f"{token} or GITHUB_TOKEN instead"
    )


def test_a_token_set_again_is_set_with_the_doors_own_key() -> None:
    with pytest.raises(settings.SettingError) as failure:
        settings.resolve({PLUGIN_KEYS.token.key: "gh p_x"}, PLUGIN_KEYS)

    assert "Set it again: `pulumi config set --secret github-private-registry:token` prompts for it." in str(
        failure.value
    )


def test_the_settings_carry_their_doors_keys_outside_their_identity_and_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    dynamic, plugin = settings.resolve({}, DYNAMIC_KEYS), settings.resolve({}, PLUGIN_KEYS)

    assert (dynamic.keys, plugin.keys) == (DYNAMIC_KEYS, PLUGIN_KEYS)
    assert (plugin.token_key, plugin.tokens_key) == (
        "github-private-registry:token",
        "github-private-registry:tokens",
    )
    assert dynamic.token_key == "github:token"
    assert dynamic.identity == plugin.identity
    assert "keys" not in repr(plugin)


def test_the_tools_name_a_token_per_org_by_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_PRIVATE_REGISTRY_TOKENS", '{"acme": "ghp_acme0815"}')

    found = settings.from_environment(COMMAND_KEYS)

    assert credentials_for(found).source("acme") == "GITHUB_PRIVATE_REGISTRY_TOKENS[acme]"


def test_an_org_left_out_names_the_doors_owner_setting() -> None:
    runtime = lifecycle.Runtime(Settings(token=None, keys=PLUGIN_KEYS), PLUGIN)

    checked = lifecycle.check(runtime, {"registry_type": "npm_registry", "url": "https://r.example.com"})
    (problem,) = [p for p in checked.problems if p.field == "org"]

    assert (problem.code, problem.params) == (
        "org_required",
        {"owner_setting": "github-private-registry:owner / GITHUB_OWNER"},
    )


def test_every_door_reads_every_setting_of_the_one_table() -> None:
    for keys in (DYNAMIC_KEYS, PLUGIN_KEYS, COMMAND_KEYS):
        assert [(s.env, s.doc, s.kind, s.secret) for s in keys.all] == [
            (s.env, s.doc, s.kind, s.secret) for s in DYNAMIC_KEYS.all
        ]
    assert {s.key.partition(":")[0] for s in PLUGIN_KEYS.all} == {"github-private-registry"}
    assert all(s.key == s.env for s in COMMAND_KEYS.all)
