"""`validate` checks the providers' configuration too: base URL, numbers, API version, the GitHub
App's visible part, secrets in plaintext, and unknown keys in the provider's and the program's
namespaces, by the rules the providers apply when they start; never quoting a secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS, PLUGIN_KEYS
from pulumi_github_private_registry.core import settings
from pulumi_github_private_registry.tools import cli, stackchecks, stackconfig

REGISTRIES = stackconfig.full_key(stackconfig.REGISTRIES_KEY)
SECURE = {"secure": "v1:bm9uY2U=:Y2lwaGVy"}
ENTRY = {
    "registry_type": "npm_registry",
    "url": "https://npm.pkg.github.com/acme",
    "visibility": "all",
    "secret": "npmToken",
}
PEM_CANARY = "-----BEGIN RSA PRIVATE KEY-----\nMIIcanaryKEYmaterial\n-----END RSA PRIVATE KEY-----"
TOKEN_CANARY = "ghp_tokenCanary0815"


_VALID = {"baseUrl": "https://github.acme.example", "owner": "acme", "writeDelayMs": 1000}
_DYNAMIC_OWN = {
    plugin.key: (dynamic.key, SECURE if dynamic.secret else _VALID[dynamic.name])
    for plugin, dynamic in zip(PLUGIN_KEYS.all, DYNAMIC_KEYS.all, strict=True)
    if plugin.key != dynamic.key
}


def _problems(tmp_path: Path, **config: Any) -> list[str]:
    """The problems of a stack file with one valid registry plus ``config`` (``...`` leaves a key out)."""
    base: dict[str, Any] = {
        "github:owner": "acme",
        REGISTRIES: [ENTRY],
        stackconfig.full_key("npmToken"): SECURE,
    }
    base.update(config)
    # A key only the plugin reads comes with the dynamic provider's own, as a stack moving to the
    # plugin sets both: the stack program alone would not read it (test_first_hour_followups_config).
    for key, value in config.items():
        counterpart = _DYNAMIC_OWN.get(key)
        if counterpart is not None and value is not ...:
            base.setdefault(counterpart[0], counterpart[1])
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {k: v for k, v in base.items() if v is not ...}}))
    _, problems = stackchecks.validate_file(stack_file)
    return problems


def test_a_valid_configuration_has_no_problems(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        **{
            "github:baseUrl": "https://github.acme.example",
            "github:token": SECURE,
            "github:writeDelayMs": "1500",
            "github-private-registry:maxConcurrency": 8,
            "github-private-registry:maxRetryWait": "60.5",
            "github-private-registry:requestTimeout": 10,
            "github-private-registry:apiVersion": "2022-11-28",
            "github-private-registry:tokens": {"acme-labs": SECURE},
        },
    )

    assert problems == []


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("github:writeDelayMs", "-1", "github:writeDelayMs must be a number from 0 to 60000"),
        ("github:writeDelayMs", "soon", "github:writeDelayMs must be a number from 0 to 60000"),
        ("github:writeDelayMs", True, "github:writeDelayMs must be a number from 0 to 60000"),
        (
            "github-private-registry:maxConcurrency",
            "2.5",
            "github-private-registry:maxConcurrency must be a whole number",
        ),
        (
            "github-private-registry:maxConcurrency",
            0,
            "github-private-registry:maxConcurrency must be a whole number from 1 to 100",
        ),
        (
            "github-private-registry:maxRetryWait",
            "nan",
            "github-private-registry:maxRetryWait must be a number from 0 to 3600",
        ),
        (
            "github-private-registry:requestTimeout",
            "601",
            "github-private-registry:requestTimeout must be a number from 0.1 to 600",
        ),
        (
            "github-private-registry:writeDelayMs",  # the plugin's key, by the same rule
            "99999",
            "github-private-registry:writeDelayMs must be a number from 0 to 60000",
        ),
    ],
)
def test_a_numeric_setting_out_of_its_rule_is_named(
    tmp_path: Path, key: str, value: Any, expected: str
) -> None:
    assert _problems(tmp_path, **{key: value}) == [expected]


def test_the_numeric_rules_are_the_providers(tmp_path: Path) -> None:
    """Every numeric setting of either door is checked, by the rule settings.resolve applies."""
    keys = {
        getattr(door, rule.name).key: rule
        for door in (DYNAMIC_KEYS, PLUGIN_KEYS)
        for rule in settings.NUMBERS
    }
    for key, rule in keys.items():
        kind = "a whole number" if rule.integer else "a number"
        assert _problems(tmp_path, **{key: rule.high + 1}) == [
            f"{key} must be {kind} from {rule.low:g} to {rule.high:g}"
        ]
        assert _problems(tmp_path, **{key: str(rule.high)}) == []


@pytest.mark.parametrize("value", ["2026-3-10", "latest", 20260310])
def test_an_api_version_that_is_no_date_is_named(tmp_path: Path, value: Any) -> None:
    assert _problems(tmp_path, **{"github-private-registry:apiVersion": value}) == [
        "github-private-registry:apiVersion must be an API version date such as 2026-03-10"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://ghes.example.com?x=1", "github:baseUrl must not have a query or a fragment"),
        (42, "github:baseUrl must be a URL string"),
        ("ftp://ghes.example.com", "github:baseUrl must be an absolute https:// URL"),
    ],
)
def test_the_base_url_follows_the_clients_rules(tmp_path: Path, value: Any, expected: str) -> None:
    problems = _problems(tmp_path, **{"github:baseUrl": value})

    assert len(problems) == 1 and problems[0].startswith(expected)


def test_the_plugins_base_url_is_checked_under_its_own_key(tmp_path: Path) -> None:
    problems = _problems(tmp_path, **{"github-private-registry:baseUrl": "http://ghes.example.com"})

    assert len(problems) == 1 and problems[0].startswith("github-private-registry:baseUrl uses plain http://")


def test_an_encrypted_non_secret_setting_cannot_be_seen_and_passes(tmp_path: Path) -> None:
    assert _problems(tmp_path, **{"github:baseUrl": SECURE, "github:writeDelayMs": SECURE}) == []


# --- secrets: only whether they are encrypted ------------------------------------------------------


@pytest.mark.parametrize("key", ["github:token", "github-private-registry:token"])
def test_a_token_in_plaintext_is_named_not_shown(tmp_path: Path, key: str) -> None:
    problems = _problems(tmp_path, **{key: TOKEN_CANARY})

    assert problems == [
        f"{key} is in plaintext: remove it with `pulumi config rm --stack dev {key}` and set it with "
        f"`pulumi config set --secret --stack dev {key}`"
    ]


def test_a_github_app_all_encrypted_passes(tmp_path: Path) -> None:
    assert _problems(tmp_path, **{"github:appAuth": SECURE}) == []


def test_a_github_app_with_an_encrypted_key_passes(tmp_path: Path) -> None:
    app = {"id": "123", "installationId": 456, "pemFile": SECURE}

    assert _problems(tmp_path, **{"github:appAuth": app}) == []
    assert _problems(tmp_path, **{"github-private-registry:appAuth": {"id": 123, "pemFile": SECURE}}) == []


def test_a_github_apps_plaintext_key_is_named_and_never_shown(tmp_path: Path) -> None:
    problems = _problems(tmp_path, **{"github:appAuth": {"id": "123", "pemFile": PEM_CANARY}})

    assert problems == [
        "github:appAuth.pemFile holds the App's private key in plaintext: remove it with "
        "`pulumi config rm --stack dev --path github:appAuth.pemFile` and set it with "
        "`cat app.pem | pulumi config set --secret --stack dev --path github:appAuth.pemFile`"
    ]


def test_a_github_app_as_plaintext_json_is_named_and_never_shown(tmp_path: Path) -> None:
    problems = _problems(tmp_path, **{"github:appAuth": f'{{"id": "1", "pemFile": "{PEM_CANARY}"}}'})

    assert len(problems) == 1
    assert problems[0].startswith("github:appAuth is in plaintext, private key and all:")
    assert "canary" not in "".join(problems).lower()


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        ({"id": "my-app", "pemFile": SECURE}, "github:appAuth.id must be the GitHub App's numeric id"),
        ({"pemFile": SECURE}, "github:appAuth.id must be the GitHub App's numeric id"),
        (
            {"id": 1, "installationId": "first", "pemFile": SECURE},
            "github:appAuth.installationId must be the installation's numeric id (or left out)",
        ),
        ({"id": 1}, "github:appAuth.pemFile must hold the App's private key"),
        (
            {"id": 1, "pemfile": SECURE},
            "github:appAuth has an unknown field 'pemfile'; did you mean pemFile?",
        ),
        (
            {"id": 1, "pemFile": SECURE, "colour": "red"},
            "github:appAuth has an unknown field 'colour': it takes",
        ),
    ],
)
def test_a_github_apps_visible_structure_is_checked(
    tmp_path: Path, app: dict[str, Any], expected: str
) -> None:
    problems = _problems(tmp_path, **{"github:appAuth": app})

    assert any(p.startswith(expected) for p in problems), problems


def test_a_token_and_an_app_together_are_refused_as_the_provider_would(tmp_path: Path) -> None:
    problems = _problems(tmp_path, **{"github:token": SECURE, "github:appAuth": SECURE})

    assert problems == [
        "github:token and github:appAuth are both set: remove github:token to authenticate as the "
        "GitHub App, or github:appAuth to use the token"
    ]


def test_a_token_per_org_in_plaintext_is_named_by_org_and_never_shown(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path, **{"github-private-registry:tokens": {"acme": SECURE, "acme-labs": TOKEN_CANARY}}
    )

    assert problems == [
        "github-private-registry:tokens.acme-labs is in plaintext: remove it with `pulumi config rm "
        "--stack dev --path github-private-registry:tokens.acme-labs` and set it with `pulumi config set "
        "--secret --stack dev --path github-private-registry:tokens.acme-labs`"
    ]


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (
            {"not an org!": SECURE},
            "github-private-registry:tokens has a key that is not an organization login",
        ),
        (
            {"acme": SECURE, "ACME": SECURE},
            "github-private-registry:tokens names the organization 'acme' twice",
        ),
        (TOKEN_CANARY, "github-private-registry:tokens is in plaintext, every token in it:"),
    ],
)
def test_the_token_map_is_checked_as_the_provider_reads_it(
    tmp_path: Path, tokens: Any, expected: str
) -> None:
    problems = _problems(tmp_path, **{"github-private-registry:tokens": tokens})

    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_no_problem_line_ever_holds_a_secret_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = {
        "github:owner": "acme",
        REGISTRIES: [ENTRY],
        stackconfig.full_key("npmToken"): SECURE,
        "github:token": TOKEN_CANARY,
        "github:appAuth": {"id": "x", "pemFile": PEM_CANARY},
        "github-private-registry:tokens": {"acme": TOKEN_CANARY + "2"},
        "github-private-registry:appAuth": f'{{"pemFile": "{PEM_CANARY}"}}',
    }
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}))

    status = cli.main(["validate", str(stack_file)])
    out = capsys.readouterr().out

    assert status == 1
    assert "Canary" not in out and "canary" not in out and "MIIcanary" not in out
    assert out.endswith("1 registry, 6 problems\n"), out


# --- unknown keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("github-private-registry:maxConcurency", "maxConcurrency"),
        ("github-private-registry:maxconcurrency", "maxConcurrency"),
        ("github-private-registry:requestTimout", "requestTimeout"),
        ("github-private-registry:apiversion", "apiVersion"),
        ("github-private-registry:baseURL", "baseUrl"),
    ],
)
def test_a_misspelled_provider_key_gets_a_did_you_mean(tmp_path: Path, key: str, hint: str) -> None:
    assert _problems(tmp_path, **{key: "8"}) == [
        f"{key} is no setting of the provider: did you mean github-private-registry:{hint}?"
    ]


def test_an_unknown_provider_key_lists_the_settings(tmp_path: Path) -> None:
    problems = _problems(tmp_path, **{"github-private-registry:colour": "red"})

    assert len(problems) == 1
    assert problems[0].startswith(
        "github-private-registry:colour is no setting of the provider; its settings: "
    )
    assert "maxConcurrency" in problems[0] and "apiVersion" in problems[0]


def test_every_setting_of_the_provider_namespace_is_known(tmp_path: Path) -> None:
    """The plugin's keys (its whole namespace) and the older `namespace:config:name` spelling."""
    config: dict[str, Any] = {
        f"github-private-registry:{s.name}": SECURE for s in PLUGIN_KEYS.all if s.secret
    }
    config["github-private-registry:token"] = ...  # an App and a token together are their own problem
    config["github-private-registry:config:owner"] = "acme"
    config["github-private-registry:owner"] = "acme"

    assert _problems(tmp_path, **config) == []


def test_the_registries_list_in_the_provider_namespace_beside_the_real_one_is_flagged(tmp_path: Path) -> None:
    problems = _problems(tmp_path, **{"github-private-registry:registries": [ENTRY]})

    assert problems == [
        "github-private-registry:registries is no setting of the provider: did you mean "
        "`github-private-registries:registries`?"
    ]


def test_without_the_list_a_misnamed_one_is_reported_once(tmp_path: Path) -> None:
    problems = _problems(tmp_path, **{REGISTRIES: ..., "github-private-registry:registries": [ENTRY]})

    assert len(problems) == 1
    assert "github-private-registries:registries is not set" in problems[0]
    assert "github-private-registry:registries is set: did you mean" in problems[0]


def test_a_misspelled_registries_key_in_the_programs_namespace_is_flagged(tmp_path: Path) -> None:
    problems = _problems(tmp_path, **{"github-private-registries:registry": [ENTRY]})

    assert problems == [
        "github-private-registries:registry is no key the program reads (no registry names it as its "
        "secret): did you mean `github-private-registries:registries`?"
    ]


def test_a_secret_key_named_by_an_entry_is_never_flagged(tmp_path: Path) -> None:
    entry = {**ENTRY, "secret": "registry"}
    problems = _problems(
        tmp_path,
        **{
            REGISTRIES: [entry],
            "github-private-registries:registry": SECURE,
            "github-private-registries:oldToken": SECURE,  # named by none, but no misspelling either
        },
    )

    assert problems == []


def test_a_key_with_control_characters_is_shown_sanitized(tmp_path: Path) -> None:
    problems = _problems(tmp_path, **{"github-private-registry:max\u202eConcurrency": "4"})

    assert len(problems) == 1 and "\u202e" not in problems[0]
    assert problems[0].startswith("github-private-registry:max?Concurrency is no setting")


def test_validate_exits_1_on_a_configuration_problem_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(
        yaml.safe_dump({"config": {REGISTRIES: [], "github-private-registry:maxConcurency": "8"}})
    )

    assert cli.main(["validate", str(stack_file)]) == 1
    assert capsys.readouterr().out == (
        f"{stack_file}: github-private-registry:maxConcurency is no setting of the provider: did you mean "
        f"github-private-registry:maxConcurrency?\n{stack_file}: 0 registries, 1 problem\n"
    )


@pytest.mark.parametrize("name", ["Pulumi.example.yaml", "Pulumi.demo.yaml"])
def test_the_repositorys_stacks_have_no_configuration_problem(name: str) -> None:
    path = Path(__file__).resolve().parents[2] / "stacks" / name
    _, problems = stackchecks.validate_file(path)

    assert all("is not set: run `pulumi config set --secret" in p for p in problems), problems
