"""Each field is declared once (the schema's table), problems are data, settings name their source."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pulumi_github_private_registry import OrgPrivateRegistry, OrgPrivateRegistryArgs
from pulumi_github_private_registry.audiences.dynamic import DYNAMIC
from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS
from pulumi_github_private_registry.audiences.plugin import PLUGIN
from pulumi_github_private_registry.core import lifecycle, schema, settings
from pulumi_github_private_registry.core.client import GitHubClient
from pulumi_github_private_registry.core.errors import AuthenticationError
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.resource import SECRET_OUTPUTS
from pulumi_github_private_registry.tools import cli, stackconfig

# --- one table --------------------------------------------------------------------------------------


def test_the_resource_args_are_exactly_the_tables_inputs() -> None:
    # Compared as sets: the dataclass keeps 0.1.0's order, in which positional arguments bind.
    names = [f.name for f in dataclasses.fields(OrgPrivateRegistryArgs)]
    assert sorted(names) == sorted(schema.INPUT_FIELDS)


def test_the_resource_outputs_are_exactly_the_tables_fields() -> None:
    outputs = [
        name
        for name, member in vars(OrgPrivateRegistry).items()
        if isinstance(member, property) and "Output" in str(member.fget.__annotations__["return"])
    ]
    assert sorted(outputs) == sorted(f.name for f in schema.FIELDS)


def test_secret_outputs_are_the_tables_secret_fields() -> None:
    assert SECRET_OUTPUTS == ["value", "value_encrypted"]
    assert tuple(SECRET_OUTPUTS) == tuple(f.name for f in schema.FIELDS if f.secret)


def test_a_stack_entry_takes_every_input_but_the_secret_which_comes_from_a_config_key() -> None:
    expected = [f for f in schema.INPUT_FIELDS if f not in ("value", "value_encrypted", "key_id")]
    assert list(stackconfig.ENTRY_FIELDS[: len(expected)]) == expected


def test_the_plugins_camel_case_names_are_those_the_interface_pins() -> None:
    camel = {f.name: f.camel for f in schema.FIELDS}
    assert camel["registry_type"] == "registryType"
    assert camel["jfrog_oidc_provider_name"] == "jfrogOidcProviderName"
    assert camel["selected_repository_ids"] == "selectedRepositoryIds"
    assert camel["remote_updated_at"] == "remoteUpdatedAt"
    assert len(set(camel.values())) == len(camel)


def test_derived_lists_follow_githubs_documented_rules() -> None:
    assert schema.REPLACE_FIELDS == ("org", "registry_type", "auth_type")
    assert schema.NULLABLE_FIELDS == frozenset({"username"})
    assert "encrypted_value" in schema.WRITABLE_FIELDS and "value" not in schema.WRITABLE_FIELDS
    assert "selected_repository_ids" not in schema.RESPONSE_FIELDS
    assert schema.AUTH_RULES["oidc_cloudsmith"].allowed == {
        "namespace",
        "service_slug",
        "audience",
        "api_host",
    }
    assert schema.AUTH_RULES["username_password"].required == ("username",)
    assert schema.AUTH_RULES["token"].optional == ("username",)


# --- problems as data ------------------------------------------------------------------------------


def test_one_problem_reads_in_each_audiences_names() -> None:
    problem = schema.Problem("not_base64", "value_encrypted")

    assert schema.render(problem, DYNAMIC) == "'value_encrypted' must be standard, padded base64"
    assert schema.render(problem, PLUGIN) == "'valueEncrypted' must be standard, padded base64"
    rest = schema.Problem("not_base64", "encrypted_value")
    assert schema.render(rest, schema.REST) == "'encrypted_value' must be standard, padded base64"


def test_a_missing_secret_names_the_entrys_secret_key_in_a_stack_file() -> None:
    problem = schema.Problem("value_and_encrypted", "value")

    assert (
        schema.render(problem, DYNAMIC) == "give either 'value' or 'value_encrypted' with 'key_id', not both"
    )
    assert "'secret'" in schema.render(problem, stackconfig.ENTRY)
    assert "'valueEncrypted'" in schema.render(problem, PLUGIN)


BAD_DECLARATIONS: list[dict[str, Any]] = [
    {"registry_type": "npm", "url": "ftp://x", "visibility": "some", "auth_type": "oidc_azure", "value": "v"},
    {"registry_type": "npm_registry", "url": "https://u:p@x", "visibility": "all", "value": ""},
    {"url": "https://x", "visibility": "all", "selected_repository_ids": [0.5], "visiblity": "all"},
    {
        "registry_type": "npm_registry",
        "url": "https://x",
        "visibility": "selected",
        "value_encrypted": "not base64",
        "key_id": 3,
        "value": "v",
        "adopt": "yes",
        "org": "-bad",
    },
    {
        "registry_type": "maven_repository",
        "url": "https://x",
        "visibility": "all",
        "auth_type": "username_password",
    },
    {"registry_type": "npm_registry", "url": "https://x:99999", "visibility": "selected", "key_id": "k"},
]


@pytest.mark.parametrize("props", BAD_DECLARATIONS)
def test_every_problem_renders_for_every_audience(props: dict[str, Any]) -> None:
    problems = schema.declaration_problems(props)

    assert problems
    for audience in (DYNAMIC, PLUGIN, stackconfig.ENTRY):
        for problem in problems:
            text = schema.render(problem, audience)
            assert text and "{" not in text and "}" not in text, (problem, text)


def test_no_problem_code_lacks_a_message() -> None:
    codes = {p.code for props in BAD_DECLARATIONS for p in schema.declaration_problems(props)}
    assert codes <= set(schema.MESSAGES)
    assert {"not_one_of", "url_not_http", "url_userinfo", "url_port", "value_empty", "not_bool"} <= codes


# --- auth_type's default, decided once --------------------------------------------------------------


def test_an_empty_auth_type_is_refused_everywhere_and_a_missing_one_means_token() -> None:
    declared = {"org": "acme", "registry_type": "npm_registry", "url": "https://x", "visibility": "all"}
    assert schema.auth_type_of(declared) == "token"
    assert schema.auth_type_of({**declared, "auth_type": ""}) == ""
    assert not schema.takes_secret({**declared, "auth_type": ""})

    problems = schema.declaration_problems({**declared, "auth_type": "", "value": "v"})
    assert [(p.code, p.field) for p in problems] == [("not_one_of", "auth_type")]

    entries, _ = stackconfig.parse_registries([{**declared, "auth_type": ""}])
    entry_problems = stackconfig.declaration_problems(entries[0])
    assert [(p.code, p.field) for p in entry_problems] == [("not_one_of", "auth_type")]

    runtime = lifecycle.Runtime(settings.Settings(token=None, keys=DYNAMIC_KEYS), DYNAMIC)
    checked = lifecycle.check(runtime, {**declared, "auth_type": ""})
    assert [p.field for p in checked.problems] == ["auth_type"]
    assert lifecycle.check(runtime, declared).inputs["auth_type"] == "token"


# --- settings name the source that was used ---------------------------------------------------------


def test_settings_come_from_the_config_else_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "env-token")
    monkeypatch.setenv("GITHUB_OWNER", "env-org")

    from_env = settings.resolve({}, DYNAMIC_KEYS)
    from_config = settings.resolve(
        {"github:token": "config-token", "github:writeDelayMs": "250"}, DYNAMIC_KEYS
    )

    assert (from_env.token, from_env.token_source, from_env.owner) == ("env-token", "GITHUB_TOKEN", "env-org")
    assert (from_config.token, from_config.token_source) == ("config-token", "github:token")
    assert from_config.write_delay_ms == 250.0
    assert "env-token" not in repr(from_env) and "config-token" not in repr(from_config)


def test_a_bad_token_from_a_variable_is_told_to_fix_that_variable() -> None:
    with pytest.raises(settings.SettingError) as failure:
        settings.clean_token("gh p_x", "MYTOK")

    assert "MYTOK" in str(failure.value) and "github:token" not in str(failure.value)
    assert 'export MYTOK="$(cat token.txt)"' in str(failure.value)


def test_a_bad_token_from_the_config_is_told_to_set_that_key_again() -> None:
    with pytest.raises(settings.SettingError) as failure:
        settings.clean_token("gh p_x", "github:token", DYNAMIC_KEYS.set_secret)

    assert "`pulumi config set --secret github:token`" in str(failure.value)


def test_a_rejected_token_names_where_it_came_from(emulator: Emulator) -> None:
    client = GitHubClient("wrong-token", emulator.base_url, token_source="MYTOK")

    with pytest.raises(AuthenticationError) as failure:
        client.list_registries("acme")

    assert "the MYTOK environment variable" in str(failure.value)
    assert "github:token" not in str(failure.value)


def test_discover_with_token_env_is_told_to_fix_that_variable(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYTOK", "wrong-token")

    status = cli.main(["discover", "--org", "acme", "--base-url", emulator.base_url, "--token-env", "MYTOK"])

    err = capsys.readouterr().err
    assert status == 1 and "MYTOK" in err and "github:token" not in err
