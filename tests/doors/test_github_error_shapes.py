"""GitHub's refusals in every shape it answers them, through both front doors (issue #17, item 10).

GitHub names a refused field in three shapes: "Validation Failed" with error objects; its OpenAPI
validation, 'Invalid request.\n\nFor \'properties/auth_type\', "oidc_gcp" is not a member of enum.',
with no error objects (a GHES release refusing an auth type it does not know); and plain strings,
as github.com refused hex_organization in May 2026: "Failed to create private registry
configuration" with "registry_type must be one of: maven_repository, nuget_feed, ...". The
messages must name the release, or say that GitHub does not accept the type yet, whichever shape
came. GitHub's exact bodies are injected; the emulator is also checked to answer in those shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from doors import Plugins, camel
from engine import up
from hosted import refusal
from provider_host import ProviderHost
from pulumi_github_private_registry.core import schema
from pulumi_github_private_registry.core.client import GitHubClient
from pulumi_github_private_registry.core.errors import MAX_DETAIL, ValidationFailed
from pulumi_github_private_registry.core.pacing import Limits
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import TOKEN, declaration

ORG = "acme"
RELEASE = "3.15"
DOCS = "https://docs.github.com/enterprise-server@3.15/rest/private-registries/organization-configurations"
NOT_YET = ("hex_organization", "hex_repository")
ACCEPTED = [t for t in schema.REGISTRY_TYPES if t not in NOT_YET]
REFUSED_TYPE_MESSAGE = "Failed to create private registry configuration"  # github.com's, May 2026

# What GHES and github.com answered, each shape as it came (see the module's docstring).
GCP_REFUSALS = {
    "error-objects": {
        "message": "Validation Failed",
        "errors": [
            {"resource": "PrivateRegistry", "field": "auth_type", "code": "invalid", "value": "oidc_gcp"}
        ],
        "documentation_url": DOCS,
        "status": "422",
    },
    "openapi-enum": {
        "message": "Invalid request.\n\nFor 'properties/auth_type', \"oidc_gcp\" is not a member of enum.",
        "documentation_url": DOCS,
        "status": "422",
    },
    "plain-strings": {
        "message": REFUSED_TYPE_MESSAGE,
        "errors": ["auth_type must be one of: token, username_password, oidc_azure, oidc_aws"],
        "documentation_url": DOCS,
        "status": "422",
    },
}
GITHUB_COM_REFUSAL = {
    "message": REFUSED_TYPE_MESSAGE,
    "errors": [f"registry_type must be one of: {', '.join(ACCEPTED)}"],
    "documentation_url": "https://docs.github.com/rest/private-registries/organization-configurations",
    "status": "422",
}

OIDC = {
    "url": "https://r.example.com/",
    "visibility": "all",
    "auth_type": "oidc_azure",
    "tenant_id": "t",
    "client_id": "c",
}
"""A create body but for its registry_type, with no sealed value to make."""

Create = Callable[[Emulator, dict[str, Any]], object]


@pytest.fixture(params=["dynamic", "plugin"])
def create(request: pytest.FixtureRequest) -> Iterator[Create]:
    """Create one registry through a door configured against the emulator, as `pulumi up` does."""
    stops: list[Callable[[], None]] = []

    def through(emu: Emulator, news: dict[str, Any]) -> object:
        if request.param == "dynamic":
            host = ProviderHost(OrgPrivateRegistryProvider()).start()
            stops.append(host.stop)
            host.configure(
                {"github:token": TOKEN, "github:baseUrl": emu.base_url, "github:writeDelayMs": "0"},
                secret_keys={"github:token"},
            )
            return up(host, news)
        plugins = Plugins(emu)
        stops.append(plugins.stop)
        plugin = plugins.start(emu)
        checked = plugin.check(camel(news))
        assert checked.failures == [], checked.failures
        return plugin.create(checked.inputs)

    yield through
    for stop in stops:
        stop()


# --- GHES: the release is named whatever shape its refusal takes ------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(GCP_REFUSALS))
def test_a_ghes_refusal_of_oidc_gcp_names_the_release_in_every_shape(create: Create, shape: str) -> None:
    with Emulator(token=TOKEN, ghes_version=RELEASE) as emu:
        emu.inject(method="POST", path="/private-registries", status=422, body=GCP_REFUSALS[shape])
        details = refusal(lambda: create(emu, declaration("oidc_gcp", ORG)))
        assert f"GitHub Enterprise Server {RELEASE} does not offer auth_type oidc_gcp" in details
        assert emu.registries(ORG) == {}


@pytest.mark.slow
def test_the_emulator_plays_a_release_in_githubs_openapi_shape(create: Create) -> None:
    """Stage 2 knows no oidc_gcp: its own answer is GitHub's "Invalid request." and is read alike."""
    with Emulator(token=TOKEN, ghes_version=RELEASE, ghes_stage=2) as emu:
        details = refusal(lambda: create(emu, declaration("oidc_gcp", ORG)))
        assert "For 'properties/auth_type', \"oidc_gcp\" is not a member of enum." in details
        assert f"GitHub Enterprise Server {RELEASE} does not offer auth_type oidc_gcp" in details
        answer = next(r for r in emu.requests if r.method == "POST")
        assert answer.status == 422


# --- github.com: a type its API description lists but it does not accept yet ---------------------------


@pytest.mark.slow
@pytest.mark.parametrize("registry_type", NOT_YET)
def test_github_com_refusing_a_listed_type_says_it_does_not_accept_it_yet(
    create: Create, registry_type: str
) -> None:
    with Emulator(token=TOKEN, refused_registry_types=NOT_YET) as emu:
        news = declaration("token", ORG, registry_type=registry_type, url="https://hex.example.com/")
        details = refusal(lambda: create(emu, news))
        assert (
            f"GitHub does not accept registry_type {registry_type} yet, though its API description lists it"
            in (details)
        )
        assert "registry_type must be one of: maven_repository, nuget_feed," in details
        assert emu.registries(ORG) == {}
        # The types it does accept go through.
        create(emu, declaration("token", ORG))
        assert list(emu.registries(ORG)) == ["NPM_REGISTRY_SECRET"]


@pytest.mark.slow
def test_githubs_observed_refusal_injected_as_it_came(create: Create) -> None:
    with Emulator(token=TOKEN) as emu:
        emu.inject(method="POST", path="/private-registries", status=422, body=GITHUB_COM_REFUSAL)
        news = declaration("token", ORG, registry_type="hex_organization", url="https://hex.example.com/")
        details = refusal(lambda: create(emu, news))
        assert "GitHub does not accept registry_type hex_organization yet" in details
        assert "Enterprise Server" not in details


@pytest.mark.slow
def test_a_refusal_that_is_not_of_the_types_value_adds_no_note_about_the_type(create: Create) -> None:
    already = {
        "message": "Validation Failed",
        "errors": [{"resource": "PrivateRegistry", "field": "registry_type", "code": "already_exists"}],
    }
    with Emulator(token=TOKEN) as emu:
        emu.inject(method="POST", path="/private-registries", status=422, body=already, times=2)
        news = declaration("token", ORG, registry_type="hex_organization", url="https://hex.example.com/")
        details = refusal(lambda: create(emu, news))
    assert "does not accept" not in details and "does not offer" not in details


def test_the_emulator_refuses_a_type_as_github_com_did() -> None:
    with Emulator(refused_registry_types=NOT_YET) as emu:
        answer = requests.post(
            f"{emu.base_url}orgs/{ORG}/private-registries",
            json={**OIDC, "registry_type": "hex_repository"},
        )
    assert answer.status_code == 422
    assert answer.json()["message"] == REFUSED_TYPE_MESSAGE
    assert answer.json()["errors"] == [f"registry_type must be one of: {', '.join(ACCEPTED)}"]


def test_the_emulator_accepts_every_listed_type_by_default() -> None:
    with Emulator() as emu:
        for registry_type in schema.REGISTRY_TYPES:
            emu.put_registry(
                ORG, registry_type=registry_type, url="https://r.example.com/", visibility="all", value="v"
            )
            answer = requests.post(
                f"{emu.base_url}orgs/other/private-registries",
                json={**OIDC, "registry_type": registry_type},
            )
            assert answer.status_code == 201, (registry_type, answer.text)
    with pytest.raises(ValueError, match="hex_elixir"):
        Emulator(refused_registry_types=["hex_elixir"])


# --- the client reads each shape, bounded -----------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("Invalid request.\n\nFor 'properties/url', 5 is not a string.", "url"),
        (
            "Invalid request.\n\nFor 'properties/selected_repository_ids/items', \"a\" is not an integer.",
            "selected_repository_ids",
        ),
        (
            'Invalid request.\n\n"passwrd" is not a permitted key.\n'
            "For 'properties/visibility', nil is not a string.",
            "visibility",
        ),
    ],
)
def test_a_type_refusal_names_its_field(message: str, field: str) -> None:
    with Emulator(token=TOKEN) as emu:
        emu.inject(method="POST", status=422, body={"message": message, "status": "422"})
        client = GitHubClient(TOKEN, emu.base_url, limits=Limits(write_interval=0))
        with pytest.raises(ValidationFailed) as failure:
            client.create_registry(ORG, {"registry_type": "npm_registry", "url": "https://n.example.com/"})
        client.close()
    assert field in failure.value.fields
    assert message.split("\n")[-1] in str(failure.value)


def test_a_huge_refusal_is_read_only_so_far_and_shown_bounded() -> None:
    """3 MB of "For 'properties/..." pieces: only the start is read, and little of it shown."""
    flood = "Invalid request.\n\n" + "For 'properties/auth_type', \"x\" is not a member of enum.\n" * 50_000
    with Emulator(token=TOKEN, ghes_version=RELEASE) as emu:
        emu.inject(
            method="POST",
            status=422,
            body={"message": flood, "errors": ["auth_type must be one of: a"] * 10_000},
        )
        client = GitHubClient(TOKEN, emu.base_url, limits=Limits(write_interval=0))
        with pytest.raises(ValidationFailed) as failure:
            client.create_registry(ORG, {"registry_type": "helm_registry", "auth_type": "oidc_gcp"})
        client.close()
    assert failure.value.fields == ["auth_type"]
    assert f"GitHub Enterprise Server {RELEASE} does not offer auth_type oidc_gcp" in str(failure.value)
    assert len(str(failure.value)) <= MAX_DETAIL
