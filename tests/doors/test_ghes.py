"""GitHub Enterprise Server (issue 12) through both front doors, against the emulator's GHES mode.

The emulator plays a release (``ghes_version``) served under ``/api/v3`` at one of the stages of the
private-registries API its reference pages show (``GHES_STAGES``: 0 none, 1 maven_repository with a
token, 2 more types and four OIDC auth types, 3 oidc_gcp too), answering with
``X-GitHub-Enterprise-Version`` and supporting only the API versions it is given. The messages must
come from what the server answered: the release it named, the type or auth type it refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from doors import Plugins, camel
from engine import change, up
from hosted import ProviderError
from plugin_host import PluginHost
from provider_host import ProviderHost
from pulumi_github_private_registry.core.client import API_VERSION, GHES_API_VERSION
from pulumi_github_private_registry.emulator import GHES_STAGES, Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import DECLARATIONS, TOKEN, declaration

Start = Callable[..., ProviderHost]
RELEASE = "3.14"
ORG = "acme"
VERSION_KEY = "github-private-registry:apiVersion"
NO_API = "answers 404 here: this release has no private-registries API"


def ghes(stage: int | None = None, release: str = RELEASE, **kwargs: Any) -> Emulator:
    return Emulator(token=TOKEN, ghes_version=release, ghes_stage=stage, **kwargs)


@pytest.fixture
def hosts() -> Iterator[Start]:
    """Start a dynamic-provider process configured against an emulator; all stop at the end."""
    started: list[ProviderHost] = []

    def start(emu: Emulator, *, env: Mapping[str, str] | None = None, **config: Any) -> ProviderHost:
        host = ProviderHost(OrgPrivateRegistryProvider(), env=env).start()
        started.append(host)
        settings = {
            "github:token": TOKEN,
            "github:baseUrl": emu.base_url,
            "github:owner": ORG,
            "github:writeDelayMs": "0",
            **config,
        }
        host.configure({k: v for k, v in settings.items() if v is not None}, secret_keys={"github:token"})
        return host

    yield start
    for host in started:
        host.stop()


@pytest.fixture
def plugin_hosts() -> Iterator[Callable[..., PluginHost]]:
    """Start a plugin process configured against an emulator; all stop at the end."""
    started: list[Plugins] = []

    def start(emu: Emulator, **config: Any) -> PluginHost:
        plugins = Plugins(emu)
        started.append(plugins)
        return plugins.start(emu, **config)

    yield start
    for plugins in started:
        plugins.stop()


def failure_of(call: Callable[[], object]) -> str:
    with pytest.raises(ProviderError) as failure:
        call()
    return failure.value.details


def versions_sent(emu: Emulator) -> set[str]:
    """The X-GitHub-Api-Version of every request the emulator received."""
    return {str(r.headers.get("x-github-api-version")) for r in emu.requests}


def plugin_create(host: PluginHost, news: dict[str, Any]) -> str:
    checked = host.check(camel(news))
    assert checked.failures == [], checked.failures
    id_, _ = host.create(checked.inputs)
    return id_


# --- the stages, through the dynamic provider ------------------------------------------------------


def test_the_stages_are_the_four_the_tests_name() -> None:
    assert [s.number for s in GHES_STAGES] == [0, 1, 2, 3]
    assert not GHES_STAGES[0].api


def test_stage_0_says_the_release_has_no_private_registries_api(hosts: Start) -> None:
    with ghes(0) as emu:
        host = hosts(emu)
        details = failure_of(lambda: up(host, declaration("token", ORG)))
        assert f"GitHub Enterprise Server {RELEASE} {NO_API}" in details
        assert "check the organization name" not in details
        assert emu.registries(ORG) == {}
        # A refresh (new process) fails the same way and keeps the state: nothing is dropped.
        props = {**declaration("token", ORG), "name": "NPM_REGISTRY_SECRET"}
        refresh = failure_of(lambda: hosts(emu).read(f"{ORG}/NPM_REGISTRY_SECRET", props, props))
        assert f"GitHub Enterprise Server {RELEASE} {NO_API}" in refresh
        assert "check the organization name" not in refresh
        assert versions_sent(emu) == {GHES_API_VERSION}


def test_github_com_404_keeps_its_own_words(hosts: Start) -> None:
    """Without a release in the answer, a 404 is about the org, as before."""
    with Emulator(token=TOKEN, orgs=["elsewhere"]) as emu:
        details = failure_of(lambda: up(hosts(emu), declaration("token", ORG)))
        assert "check the organization name" in details
        assert "Enterprise Server" not in details


def test_stage_1_refuses_npm_registry_naming_the_release(hosts: Start) -> None:
    with ghes(1) as emu:
        host = hosts(emu)
        details = failure_of(lambda: up(host, declaration("token", ORG)))
        assert f"GitHub Enterprise Server {RELEASE} does not offer registry_type npm_registry" in details
        assert "For 'properties/registry_type', \"npm_registry\" is not a member of enum." in details
        assert emu.registries(ORG) == {}
        assert versions_sent(emu) == {GHES_API_VERSION}


def test_stage_2_refuses_oidc_gcp_naming_the_release(hosts: Start) -> None:
    with ghes(2) as emu:
        host = hosts(emu)
        details = failure_of(lambda: up(host, declaration("oidc_gcp", ORG)))
        assert f"GitHub Enterprise Server {RELEASE} does not offer auth_type oidc_gcp" in details
        assert "registry_type" not in details.split("(GitHub Enterprise Server")[-1], "helm_registry is known"
        assert emu.registries(ORG) == {}
        # What the release knows works: a token registry and an OIDC type of its time.
        for auth_type in ("token", "oidc_aws", "oidc_azure"):
            id_, _, _ = up(host, declaration(auth_type, ORG))
            assert emu.registry(ORG, id_.split("/")[1]) is not None


def test_a_release_with_a_patch_number_is_named_as_it_answered(hosts: Start) -> None:
    with ghes(2, release="3.15.2") as emu:
        details = failure_of(lambda: up(hosts(emu), declaration("oidc_gcp", ORG)))
        assert "GitHub Enterprise Server 3.15.2 does not offer auth_type oidc_gcp" in details


def test_stage_3_everything_works_at_2022_11_28(hosts: Start) -> None:
    """Every auth type: create, refresh (a new process), change its url, destroy; every request
    named 2022-11-28, the version every release with this API understands."""
    with ghes(3) as emu:
        host = hosts(emu)
        created = {auth: up(host, declaration(auth, ORG)) for auth in DECLARATIONS}
        assert len(emu.registries(ORG)) == len(DECLARATIONS)
        assert emu.decrypted_value(ORG, "NPM_REGISTRY_SECRET") == DECLARATIONS["token"]["value"]
        refresher = hosts(emu)
        for auth, (id_, outs, inputs) in created.items():
            read = refresher.read(id_, outs, inputs)
            assert read.id == id_ and read.outputs["url"] == DECLARATIONS[auth]["url"]
        writer = hosts(emu)
        for auth, (id_, outs, inputs) in created.items():
            news = declaration(auth, ORG, url=DECLARATIONS[auth]["url"].rstrip("/") + "/v2/")
            updated = change(writer, id_, outs, inputs, news)
            assert emu.registry(ORG, id_.split("/")[1])["url"] == updated["url"]  # type: ignore[index]
            writer.delete(id_, updated)
        assert emu.registries(ORG) == {}
        assert versions_sent(emu) == {GHES_API_VERSION}
        assert GHES_API_VERSION == "2022-11-28"


def test_github_com_gets_the_newest_version_by_default(hosts: Start) -> None:
    with Emulator(token=TOKEN) as emu:
        up(hosts(emu), declaration("token", ORG))
        assert versions_sent(emu) == {API_VERSION} == {"2026-03-10"}


# --- the API version setting ---------------------------------------------------------------------------


def test_a_version_the_release_rejects_names_the_setting(hosts: Start) -> None:
    with ghes(3) as emu:
        details = failure_of(lambda: up(hosts(emu, **{VERSION_KEY: "2026-03-10"}), declaration("token", ORG)))
        assert "GitHub does not accept API version 2026-03-10" in details
        assert f"set {VERSION_KEY} or GITHUB_API_VERSION to one this server supports" in details
        assert "(GitHub Enterprise Server: 2022-11-28)" in details
        assert versions_sent(emu) == {"2026-03-10"}
        assert emu.registries(ORG) == {}


def test_a_version_from_the_environment_is_sent_and_its_refusal_named(hosts: Start) -> None:
    with ghes(3) as emu:
        host = hosts(emu, env={"GITHUB_API_VERSION": "2026-03-10"})
        details = failure_of(lambda: up(host, declaration("token", ORG)))
        assert "GITHUB_API_VERSION" in details and "does not accept API version 2026-03-10" in details


def test_a_release_that_knows_the_newest_version_gets_it_when_asked(hosts: Start) -> None:
    with ghes(3, ghes_api_versions=("2026-03-10", "2022-11-28")) as emu:
        up(hosts(emu, **{VERSION_KEY: "2026-03-10"}), declaration("token", ORG))
        assert versions_sent(emu) == {"2026-03-10"}
        emu.reset_log()
        up(hosts(emu), declaration("oidc_gcp", ORG))  # the default stays 2022-11-28 on GHES
        assert versions_sent(emu) == {GHES_API_VERSION}


def test_an_explicit_version_on_github_com(hosts: Start) -> None:
    with Emulator(token=TOKEN) as emu:
        up(hosts(emu, **{VERSION_KEY: "2022-11-28"}), declaration("token", ORG))
        assert versions_sent(emu) == {"2022-11-28"}


def test_a_version_that_is_no_date_fails_at_configure(hosts: Start) -> None:
    with ghes(3) as emu:
        host = hosts(emu, **{VERSION_KEY: "latest"})
        details = failure_of(lambda: host.check(declaration("token", ORG)))
        assert f"configuration: {VERSION_KEY} must be an API version date such as 2026-03-10" in details
        assert emu.requests == []


# --- the plugin ------------------------------------------------------------------------------------------


def test_the_plugin_on_each_stage(plugin_hosts: Callable[..., PluginHost]) -> None:
    with ghes(0) as emu:
        host = plugin_hosts(emu)
        details = failure_of(lambda: plugin_create(host, declaration("token", ORG)))
        assert f"GitHub Enterprise Server {RELEASE} {NO_API}" in details
        assert "check the organization name" not in details and "Traceback" not in details
    with ghes(1) as emu:
        details = failure_of(lambda: plugin_create(plugin_hosts(emu), declaration("token", ORG)))
        assert f"GitHub Enterprise Server {RELEASE} does not offer registry_type npm_registry" in details
    with ghes(2) as emu:
        host = plugin_hosts(emu)
        details = failure_of(lambda: plugin_create(host, declaration("oidc_gcp", ORG)))
        assert f"GitHub Enterprise Server {RELEASE} does not offer auth_type oidc_gcp" in details
        assert plugin_create(host, declaration("oidc_jfrog", ORG)) == f"{ORG}/NUGET_FEED_SECRET"
    with ghes(3) as emu:
        host = plugin_hosts(emu)
        ids = [plugin_create(host, declaration(auth, ORG)) for auth in DECLARATIONS]
        assert len(set(ids)) == len(DECLARATIONS) == len(emu.registries(ORG))
        listed = host.invoke("github-private-registry:index:getOrgPrivateRegistries", {"org": ORG})
        assert len(listed.value["registries"]) == len(DECLARATIONS)
        assert versions_sent(emu) == {GHES_API_VERSION}


def test_the_plugins_api_version_setting(plugin_hosts: Callable[..., PluginHost]) -> None:
    with ghes(3) as emu:
        host = plugin_hosts(emu, apiVersion="2026-03-10")
        details = failure_of(lambda: plugin_create(host, declaration("token", ORG)))
        assert f"set {VERSION_KEY} or GITHUB_API_VERSION to one this server supports" in details
        assert versions_sent(emu) == {"2026-03-10"}
        checked = plugin_hosts(emu, configure=False).check_config(
            {"baseUrl": emu.base_url, "apiVersion": "v3"}
        )
        assert checked.failures == [
            ("apiVersion", f"{VERSION_KEY} must be an API version date such as 2026-03-10")
        ]
    with Emulator(token=TOKEN) as emu:
        plugin_create(plugin_hosts(emu), declaration("token", ORG))
        assert versions_sent(emu) == {API_VERSION}
        emu.reset_log()
        plugin_create(plugin_hosts(emu, apiVersion="2022-11-28"), declaration("oidc_azure", ORG))
        assert versions_sent(emu) == {"2022-11-28"}
