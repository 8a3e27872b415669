"""The provider plugin through the real protocol (`plugin_host.PluginHost`), on the emulator.

Each `plugins.start()` is a fresh plugin process, as each `pulumi` command starts one; properties are the
plugin's camelCase names. What both doors do alike (the lifecycle of each auth type, replacements,
drift repaired, a registry gone) is `test_both_doors.py`'s; here is what only the plugin does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from doors import Plugins, camel, plugin_declaration
from engine import UNKNOWN, Props, Secret, up
from hosted import ProviderError
from plugin_host import FUNCTION, provider_urn
from pulumi_github_private_registry import __version__
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.core.schema import REGISTRY_TYPES
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.plugin.package import SCHEMA_PATH
from samples import DECLARATIONS

SNAKE_NAMES = [f.name for f in schema.FIELDS if "_" in f.name]
T = TypeVar("T")
R = TypeVar("R")


@pytest.fixture
def plugins(emulator: Emulator) -> Iterator[Plugins]:
    """Configured plugin processes against ``emulator`` (token test-token, owner acme); stopped at the end."""
    started = Plugins(emulator)
    yield started
    started.stop()


def engine_map(fn: Callable[[T], R], items: list[T]) -> list[R]:
    """Calls in flight four at a time, as the engine's parallelism drives them."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(fn, items))


def assert_secrets_marked(props: Props) -> None:
    """The value and its ciphertext, wherever present, came back secret; nothing else did."""
    assert props.secret == {"value", "valueEncrypted"} & set(props), props.secret


def assert_camel(reason: str) -> None:
    """A message for the plugin's readers names no field by its snake_case name."""
    for name in SNAKE_NAMES:
        assert f"'{name}'" not in reason and f" {name} " not in reason, (name, reason)


# --- the package --------------------------------------------------------------------------------------


def test_plugin_info_is_the_package_version(plugins: Plugins) -> None:
    host = plugins.start(configure=False)
    assert host.get_plugin_info() == __version__


def test_schema_is_the_committed_schema_json(plugins: Plugins) -> None:
    served = plugins.start(configure=False).get_schema()
    assert json.loads(served)["version"] == __version__
    assert served == SCHEMA_PATH.read_text(encoding="utf-8"), (
        "the plugin serves another schema than the committed schema.json: "
        "run `python -m pulumi_github_private_registry.plugin.package` and review the change"
    )


def test_configure_accepts_secrets_and_leaves_previews_to_the_engine(plugins: Plugins) -> None:
    host = plugins.start()
    assert host.accept_secrets is True and host.supports_preview is False


@pytest.mark.parametrize("numbers_as", [float, str])
def test_configure_takes_numbers_as_numbers_or_strings(
    plugins: Plugins, emulator: Emulator, numbers_as: Callable[[int], Any]
) -> None:
    host = plugins.start(writeDelayMs=numbers_as(0), maxConcurrency=numbers_as(2), maxRetryWait=numbers_as(5))
    id_, _, _ = up(host, plugin_declaration("oidc_azure", "numbers"))
    assert id_ == "numbers/DOCKER_REGISTRY_SECRET"


# --- CheckConfig --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("baseUrl", "http://github.example.com", "plain http://"),
        ("token", "ghp_abc def", "space"),
        ("maxConcurrency", 0, "from 1 to 100"),
    ],
)
def test_check_config_names_the_bad_key(plugins: Plugins, key: str, value: Any, words: str) -> None:
    host = plugins.start(configure=False)
    config = {"token": "ghp_good", "baseUrl": "https://github.example.com", key: value}
    checked = host.check_config(config)
    assert [prop for prop, _ in checked.failures] == [key]
    reason = checked.failures[0][1]
    assert f"github-private-registry:{key}" in reason and words in reason
    assert "abc def" not in reason, "a token is never quoted"


@pytest.mark.parametrize("numbers_as", [float, str])
def test_check_config_accepts_a_good_config(plugins: Plugins, numbers_as: Callable[[int], Any]) -> None:
    host = plugins.start(configure=False)
    config = {
        "token": "ghp_good",
        "baseUrl": "https://github.example.com",
        "owner": "acme",
        "writeDelayMs": numbers_as(1000),
        "maxConcurrency": numbers_as(8),
    }
    checked = host.check_config(config)
    assert checked.failures == []
    assert dict(checked.inputs) == {k: float(v) if not isinstance(v, str) else v for k, v in config.items()}


def test_check_config_accepts_unknowns(plugins: Plugins) -> None:
    host = plugins.start(configure=False)
    checked = host.check_config({"token": UNKNOWN, "baseUrl": UNKNOWN, "owner": "acme"}, preview=True)
    assert checked.failures == []


# --- Check --------------------------------------------------------------------------------------------


BASE = {"registryType": "npm_registry", "url": "https://npm.example.com", "visibility": "all", "value": "v"}


@pytest.mark.parametrize(
    ("news", "prop", "words"),
    [
        (
            {k: v for k, v in BASE.items() if k != "registryType"},
            "registryType",
            "'registryType' is required",
        ),
        (
            {**{k: v for k, v in BASE.items() if k != "visibility"}, "visiblity": "all"},
            "visiblity",
            "did you mean 'visibility'?",
        ),
        ({**BASE, "registryTpye": "npm_registry"}, "registryTpye", "did you mean 'registryType'?"),
        ({**BASE, "authType": ""}, "authType", "'authType' is '', which is not one of"),
        (
            {
                **{k: v for k, v in BASE.items() if k != "value"},
                "valueEncrypted": "not base64!",
                "keyId": "1",
            },
            "valueEncrypted",
            "'valueEncrypted' must be standard, padded base64",
        ),
    ],
    ids=["missing registryType", "visiblity", "registryTpye", "empty authType", "valueEncrypted not base64"],
)
def test_check_names_camel_case_properties(
    plugins: Plugins, emulator: Emulator, news: dict[str, Any], prop: str, words: str
) -> None:
    checked = plugins.start().check(camel({**news, "org": "checked"}))
    failed = checked.failed
    assert prop in failed and words in failed[prop], checked.failures
    for _, reason in checked.failures:
        assert_camel(reason)
    assert emulator.count() == 0


def test_check_fills_defaults_in_camel_case(plugins: Plugins) -> None:
    checked = plugins.start(owner="owner-org").check(camel(BASE))
    assert checked.failures == []
    assert {k: checked.inputs[k] for k in ("org", "authType", "replacesBase", "adopt")} == {
        "org": "owner-org",
        "authType": "token",
        "replacesBase": False,
        "adopt": False,
    }


# --- Diff ---------------------------------------------------------------------------------------------


def test_detailed_diff_names_each_changed_property(plugins: Plugins) -> None:
    host = plugins.start()
    news = plugin_declaration("token", "detailed", username="monalisa")
    id_, outs, inputs = up(host, news)
    changed = {**news, "url": "https://npm.example.com/v2/", "authType": "username_password"}
    diff = host.diff(id_, outs, host.check(changed, inputs).inputs, old_inputs=inputs)
    assert diff.has_detailed_diff and sorted(diff.diffs) == ["authType", "url"]
    assert diff.detailed == {"url": ("UPDATE", True), "authType": ("UPDATE_REPLACE", True)}
    assert diff.replaces == ["authType"]


def test_a_value_change_is_a_change_of_value_without_its_content(plugins: Plugins) -> None:
    host = plugins.start()
    news = plugin_declaration("token", "value-diff", value="first-secret-value")
    id_, outs, inputs = up(host, news)
    checked = host.check({**news, "value": Secret("second-secret-value")}, inputs)
    diff = host.diff(id_, outs, checked.inputs, old_inputs=inputs)
    assert diff.changes == "some" and diff.replaces == [] and diff.kinds == {"value": "UPDATE"}
    answer = host.transcript[-1]
    assert answer.method == "Diff" and "secret-value" not in answer.answer


def test_unknowns_in_a_diff_do_not_fail_and_make_no_request(plugins: Plugins, emulator: Emulator) -> None:
    id_, outs, inputs = up(plugins.start(), plugin_declaration("token", "unknowns"))
    emulator.reset_log()
    host = plugins.start()  # the preview: a new process
    news = Props({**inputs, "url": UNKNOWN, "value": UNKNOWN}, inputs.secret)
    diff = host.diff(id_, outs, news, old_inputs=inputs)
    assert diff.changes == "some" and diff.replaces == []
    assert diff.kinds == {"url": "UPDATE", "value": "UPDATE"}
    replaced = host.diff(id_, outs, Props({**inputs, "authType": UNKNOWN}, inputs.secret), old_inputs=inputs)
    assert replaced.replaces == ["authType"]
    assert emulator.count() == 0


def test_check_of_unknown_values_in_a_preview_passes(plugins: Plugins, emulator: Emulator) -> None:
    host = plugins.start()
    news = plugin_declaration("token", "preview", url=UNKNOWN, value=UNKNOWN)
    checked = host.check(news, preview=True)
    assert checked.failures == []
    assert checked.inputs["url"] is UNKNOWN
    assert emulator.count() == 0


# --- Read: imports and ids ----------------------------------------------------------------------------


def test_import_with_only_an_id_is_the_registry_as_github_reports_it(
    plugins: Plugins, emulator: Emulator
) -> None:
    emulator.put_registry("imported", **{**DECLARATIONS["username_password"], "value": "theirs"})
    emulator.reset_log()
    read = plugins.start().read("imported/MAVEN_REPOSITORY_SECRET")
    assert read.id == "imported/MAVEN_REPOSITORY_SECRET" and read.inputs is not None
    assert dict(read.inputs) == {
        "org": "imported",
        "registryType": "maven_repository",
        "url": "https://maven.pkg.github.com/acme/",
        "visibility": "private",
        "authType": "username_password",
        "username": "monalisa",
        "replacesBase": True,
    }
    assert {"value", "valueEncrypted", "keyId"}.isdisjoint(read.outputs)
    assert read.outputs["name"] == "MAVEN_REPOSITORY_SECRET" and read.outputs["createdAt"]
    assert [(r.method, r.path) for r in emulator.requests] == [("GET", "/orgs/imported/private-registries")]
    # The program's declaration then differs only by the value it brings.
    host = plugins.start()
    news = plugin_declaration("username_password", "imported")
    diff = host.diff(read.id, read.outputs, host.check(news, read.inputs).inputs, old_inputs=read.inputs)
    assert diff.replaces == [] and set(diff.kinds) == {"value"}


@pytest.mark.parametrize("id_", ["acme/../x", "acme", "-acme/NPM_REGISTRY_SECRET", "acme/npm registry"])
def test_a_malformed_id_fails_before_any_request_showing_the_form(
    plugins: Plugins, emulator: Emulator, id_: str
) -> None:
    host = plugins.start()
    for call in (lambda: host.read(id_), lambda: host.delete(id_, {})):
        with pytest.raises(ProviderError) as failure:
            call()
        assert "'{org}/{NAME}'" in failure.value.details
    assert emulator.count() == 0


def test_importing_an_unknown_id_fails_showing_the_form(plugins: Plugins, emulator: Emulator) -> None:
    with pytest.raises(ProviderError) as failure:
        plugins.start().read("acme/PYTHON_INDEX_SECRET")
    details = failure.value.details
    assert "acme/PYTHON_INDEX_SECRET" in details and "'{org}/{NAME}'" in details


# --- the function -------------------------------------------------------------------------------------


def test_get_org_private_registries_returns_every_registry_with_its_id(
    plugins: Plugins, emulator: Emulator
) -> None:
    host = plugins.start()
    for auth_type in ("token", "oidc_azure", "oidc_gcp"):
        up(host, plugin_declaration(auth_type, "listed"))
    emulator.put_registry("listed", **{**DECLARATIONS["username_password"], "value": "theirs"})
    emulator.reset_log()
    answer = plugins.start().invoke(FUNCTION, {"org": "listed"})
    assert answer.failures == [] and list(answer.value) == ["registries"]
    registries = answer.value["registries"]
    assert {r["name"] for r in registries} == {
        "NPM_REGISTRY_SECRET",
        "DOCKER_REGISTRY_SECRET",
        "HELM_REGISTRY_SECRET",
        "MAVEN_REPOSITORY_SECRET",
    }
    assert all(r["id"] == f"listed/{r['name']}" for r in registries)
    reported = {f.camel for f in schema.FIELDS if f.reported}
    assert all(set(r) <= reported | {"id"} and {"url", "registryType"} <= set(r) for r in registries)
    assert answer.value.secret == frozenset()
    assert emulator.count() == 1
    # Without an org: the configured owner's.
    up(host, plugin_declaration("token", "acme"))
    owned = plugins.start().invoke(FUNCTION).value["registries"]
    assert [r["id"] for r in owned] == ["acme/NPM_REGISTRY_SECRET"]


def test_an_unknown_function_is_refused(plugins: Plugins) -> None:
    with pytest.raises(ProviderError) as failure:
        plugins.start().invoke("github-private-registry:index:nope")
    assert FUNCTION in failure.value.details


# --- provider instances -------------------------------------------------------------------------------


def test_explicit_providers_with_other_owners_and_tokens_reach_other_orgs(plugins: Plugins) -> None:
    with Emulator(token="east-token") as east, Emulator(token="west-token") as west:
        hosts = {
            "east": plugins.start(east, token="east-token", owner="org-east", urn=provider_urn("east")),
            "west": plugins.start(west, token="west-token", owner="org-west", urn=provider_urn("west")),
        }
        ids = {where: up(host, camel(DECLARATIONS["oidc_azure"]))[0] for where, host in hosts.items()}
        assert ids == {"east": "org-east/DOCKER_REGISTRY_SECRET", "west": "org-west/DOCKER_REGISTRY_SECRET"}
        assert (
            set(east.registries("org-east")) == {"DOCKER_REGISTRY_SECRET"}
            and east.registries("org-west") == {}
        )
        assert (
            set(west.registries("org-west")) == {"DOCKER_REGISTRY_SECRET"}
            and west.registries("org-east") == {}
        )
        for emu, token in ((east, "east-token"), (west, "west-token")):
            assert {r.headers.get("authorization") for r in emu.requests} == {f"Bearer {token}"}


# --- drift ---------------------------------------------------------------------------------------------


def test_a_change_github_does_not_show_is_a_change_of_remote_updated_at(
    plugins: Plugins, emulator: Emulator
) -> None:
    news = plugin_declaration("token", "hidden-drift")
    id_, outs, inputs = up(plugins.start(), news)
    emulator.edit_registry("hidden-drift", "NPM_REGISTRY_SECRET", value="someone-elses")
    refreshed = plugins.start().read(id_, outs, inputs)
    assert refreshed.inputs is not None
    host = plugins.start()
    diff = host.diff(id_, refreshed.outputs, host.check(news, refreshed.inputs).inputs)
    assert diff.changes == "some" and diff.detailed == {"remoteUpdatedAt": ("UPDATE", False)}


# --- request economy ----------------------------------------------------------------------------------


ECONOMY_ORG = "economy"


def fleet() -> list[dict[str, Any]]:
    """One registry of every type (GitHub's most for one org), each with a value."""
    return [
        camel(
            {
                "org": ECONOMY_ORG,
                "registry_type": registry_type,
                "url": f"https://{registry_type.replace('_', '-')}.example.com/",
                "visibility": "all",
                "value": f"{registry_type}-value",
            }
        )
        for registry_type in REGISTRY_TYPES
    ]


def kinds(emulator: Emulator) -> Counter[str]:
    """Requests by kind: ``list``, ``key``, else the method."""
    counted: Counter[str] = Counter()
    for r in emulator.requests:
        if r.path.endswith("/public-key"):
            counted["key"] += 1
        elif r.method == "GET" and r.path.endswith("/private-registries"):
            counted["list"] += 1
        else:
            counted[r.method] += 1
    return counted


def test_request_economy_of_create_refresh_and_preview(plugins: Plugins, emulator: Emulator) -> None:
    declarations = fleet()
    n = len(declarations)

    host = plugins.start()
    created = engine_map(lambda news: up(host, news), declarations)
    assert emulator.count() <= n + 2
    assert kinds(emulator) == Counter({"list": 1, "key": 1, "POST": n})

    emulator.reset_log()
    host = plugins.start()
    refreshed = engine_map(lambda c: host.read(c[0], c[1], c[2]), created)
    assert kinds(emulator) == Counter({"list": 1}), "a refresh is one list per org"
    assert all(r.id and r.outputs["remoteUpdatedAt"] == r.outputs["updatedAt"] for r in refreshed)

    emulator.reset_log()
    host = plugins.start()

    def preview(entry: tuple[str, Props, Props]) -> str:
        id_, outs, inputs = entry
        changed = {**camel_of(inputs), "url": "https://changed.example.com/", "value": Secret("new-value")}
        checked = host.check(changed, inputs)
        return host.diff(id_, outs, checked.inputs, old_inputs=inputs).changes

    assert set(engine_map(preview, created)) == {"some"}
    for news in fleet():  # new registries: Check, then the engine answers Create's preview itself
        host.create(host.check({**news, "org": "brand-new"}, preview=True).inputs, preview=True)
    assert emulator.count() == 0, "a preview (Check + Diff) makes no request"


def camel_of(inputs: Props) -> dict[str, Any]:
    """Checked inputs as the program would declare them again (secrets as secrets)."""
    return {k: Secret(v) if inputs.is_secret(k) else v for k, v in inputs.items()}
