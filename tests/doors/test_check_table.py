"""Every invalid declaration fails at check (`pulumi preview`) naming the property, before any request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engine import UNKNOWN
from provider_host import ProviderHost
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import declaration

DROP = object()
"""Marks a property to remove from the sample declaration."""

# (case id, sample auth type, changes to the sample, the property the failure must name)
INVALID: list[tuple[str, str, dict[str, Any], str]] = [
    ("unknown registry_type", "token", {"registry_type": "npm"}, "registry_type"),
    ("registry_type in capitals", "token", {"registry_type": "NPM_REGISTRY"}, "registry_type"),
    ("registry_type missing", "token", {"registry_type": DROP}, "registry_type"),
    ("registry_type not a string", "token", {"registry_type": 7.0}, "registry_type"),
    ("unknown auth_type", "token", {"auth_type": "oauth"}, "auth_type"),
    ("auth_type not a string", "token", {"auth_type": True}, "auth_type"),
    ("unknown visibility", "token", {"visibility": "public"}, "visibility"),
    ("visibility missing", "token", {"visibility": DROP}, "visibility"),
    ("url missing", "token", {"url": DROP}, "url"),
    ("url relative", "token", {"url": "npm.pkg.github.com/acme"}, "url"),
    ("url ftp", "token", {"url": "ftp://npm.example.com/"}, "url"),
    ("url without host", "token", {"url": "https://"}, "url"),
    ("url with spaces", "token", {"url": "https://npm example.com/"}, "url"),
    ("typo visiblity", "token", {"visiblity": "all"}, "visiblity"),
    ("typo registry_typ", "token", {"registry_typ": "npm_registry"}, "registry_typ"),
    ("unknown property password", "token", {"password": "hunter2"}, "password"),
    ("token without a secret", "token", {"value": DROP}, "value"),
    ("username_password without a secret", "username_password", {"value": DROP}, "value"),
    ("username_password without username", "username_password", {"username": DROP}, "username"),
    ("empty value", "token", {"value": ""}, "value"),
    ("value not a string", "token", {"value": 42.0}, "value"),
    ("value and value_encrypted", "token", {"value_encrypted": "c2VhbGVk", "key_id": "1"}, "value"),
    ("value_encrypted without key_id", "token", {"value": DROP, "value_encrypted": "c2VhbGVk"}, "key_id"),
    (
        "value_encrypted not base64",
        "token",
        {"value": DROP, "value_encrypted": "not base64!", "key_id": "1"},
        "value_encrypted",
    ),
    (
        "value_encrypted url-safe base64",
        "token",
        {"value": DROP, "value_encrypted": "ab-_", "key_id": "1"},
        "value_encrypted",
    ),
    (
        "value_encrypted unpadded",
        "token",
        {"value": DROP, "value_encrypted": "c2VhbGVkIQ", "key_id": "1"},
        "value_encrypted",
    ),
    ("key_id with a plaintext value", "token", {"key_id": "1"}, "key_id"),
    ("secret on oidc_azure", "oidc_azure", {"value": "s"}, "value"),
    (
        "encrypted secret on oidc_gcp",
        "oidc_gcp",
        {"value_encrypted": "c2VhbGVk", "key_id": "1"},
        "value_encrypted",
    ),
    ("oidc_azure without tenant_id", "oidc_azure", {"tenant_id": DROP}, "tenant_id"),
    ("oidc_azure without client_id", "oidc_azure", {"client_id": DROP}, "client_id"),
    ("oidc_aws without aws_region", "oidc_aws", {"aws_region": DROP}, "aws_region"),
    ("oidc_aws without account_id", "oidc_aws", {"account_id": DROP}, "account_id"),
    ("oidc_aws without role_name", "oidc_aws", {"role_name": DROP}, "role_name"),
    ("oidc_aws without domain", "oidc_aws", {"domain": DROP}, "domain"),
    ("oidc_aws without domain_owner", "oidc_aws", {"domain_owner": DROP}, "domain_owner"),
    (
        "oidc_jfrog without provider name",
        "oidc_jfrog",
        {"jfrog_oidc_provider_name": DROP},
        "jfrog_oidc_provider_name",
    ),
    ("oidc_cloudsmith without namespace", "oidc_cloudsmith", {"namespace": DROP}, "namespace"),
    ("oidc_cloudsmith without service_slug", "oidc_cloudsmith", {"service_slug": DROP}, "service_slug"),
    ("oidc_cloudsmith without audience", "oidc_cloudsmith", {"audience": DROP}, "audience"),
    (
        "oidc_gcp without workload_identity_provider",
        "oidc_gcp",
        {"workload_identity_provider": DROP},
        "workload_identity_provider",
    ),
    ("azure field on token", "token", {"tenant_id": "t"}, "tenant_id"),
    ("aws field on oidc_azure", "oidc_azure", {"aws_region": "us-east-1"}, "aws_region"),
    ("cloudsmith field on oidc_jfrog", "oidc_jfrog", {"api_host": "api.cloudsmith.io"}, "api_host"),
    (
        "gcp field on oidc_aws",
        "oidc_aws",
        {"service_account": "sa@p.iam.gserviceaccount.com"},
        "service_account",
    ),
    (
        "jfrog field on oidc_cloudsmith",
        "oidc_cloudsmith",
        {"identity_mapping_name": "m"},
        "identity_mapping_name",
    ),
    ("username on an oidc registry", "oidc_azure", {"username": "monalisa"}, "username"),
    ("audience on oidc_azure", "oidc_azure", {"audience": "aud"}, "audience"),
    (
        "ids without visibility selected",
        "token",
        {"selected_repository_ids": [1.0]},
        "selected_repository_ids",
    ),
    ("selected without ids", "token", {"visibility": "selected"}, "selected_repository_ids"),
    (
        "selected with an empty list",
        "token",
        {"visibility": "selected", "selected_repository_ids": []},
        "selected_repository_ids",
    ),
    ("negative repository id", "oidc_aws", {"selected_repository_ids": [-5.0]}, "selected_repository_ids"),
    ("zero repository id", "oidc_aws", {"selected_repository_ids": [0.0]}, "selected_repository_ids"),
    ("fractional repository id", "oidc_aws", {"selected_repository_ids": [1.5]}, "selected_repository_ids"),
    ("repository id as a name", "oidc_aws", {"selected_repository_ids": ["api"]}, "selected_repository_ids"),
    ("repository ids not a list", "oidc_aws", {"selected_repository_ids": 12.0}, "selected_repository_ids"),
    ("replaces_base as text", "token", {"replaces_base": "yes"}, "replaces_base"),
    ("adopt as text", "token", {"adopt": "true"}, "adopt"),
    ("empty org", "token", {"org": ""}, "org"),
    ("oidc field not a string", "oidc_azure", {"tenant_id": 5.0}, "tenant_id"),
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(token="test-token") as emu:
        yield emu


@pytest.fixture(scope="module")
def host(emulator: Emulator) -> Iterator[ProviderHost]:
    with ProviderHost(OrgPrivateRegistryProvider()) as started:
        started.configure({"github:token": "test-token", "github:baseUrl": emulator.base_url})
        yield started


def build(auth_type: str, changes: dict[str, Any]) -> dict[str, Any]:
    news = declaration(auth_type, "checked")
    for key, value in changes.items():
        if value is DROP:
            news.pop(key, None)
        else:
            news[key] = value
    return news


def test_the_table_has_at_least_forty_cases() -> None:
    assert len(INVALID) >= 40
    assert len({case[0] for case in INVALID}) == len(INVALID)


@pytest.mark.parametrize(
    ("auth_type", "changes", "prop"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_declaration_fails_at_check_naming_the_property(
    host: ProviderHost, emulator: Emulator, auth_type: str, changes: dict[str, Any], prop: str
) -> None:
    emulator.reset_log()
    failures = host.check(build(auth_type, changes)).failures
    assert prop in [p for p, _ in failures], failures
    reason = dict(failures)[prop]
    assert prop in reason or "secret" in reason or "base64" in reason or "URL" in reason, reason
    assert emulator.count() == 0, "check must not call GitHub"


def test_missing_org_without_a_configured_owner_fails_at_check(host: ProviderHost) -> None:
    news = build("token", {"org": DROP})
    failures = dict(host.check(news).failures)
    assert "github:owner" in failures["org"]


def test_a_typo_is_answered_with_the_right_name(host: ProviderHost) -> None:
    failures = dict(host.check(build("token", {"visiblity": "all"})).failures)
    assert "did you mean 'visibility'" in failures["visiblity"]


@pytest.mark.parametrize(
    "auth_type", ["token", "username_password", "oidc_aws", "oidc_cloudsmith", "oidc_gcp"]
)
def test_valid_declarations_pass_check_with_defaults_filled(host: ProviderHost, auth_type: str) -> None:
    outcome = host.check(build(auth_type, {}))
    assert outcome.failures == []
    assert outcome.inputs["adopt"] is False
    assert outcome.inputs["auth_type"] == (auth_type if auth_type != "token" else "token")


@pytest.mark.parametrize(
    "unknowns",
    [
        {"url": UNKNOWN},
        {"value": UNKNOWN},
        {"org": UNKNOWN},
        {"visibility": UNKNOWN},
        {"auth_type": UNKNOWN, "value": UNKNOWN},
        {"selected_repository_ids": UNKNOWN, "visibility": "selected"},
    ],
)
def test_unknown_values_in_preview_are_not_failures(
    host: ProviderHost, emulator: Emulator, unknowns: dict[str, Any]
) -> None:
    emulator.reset_log()
    assert host.check(build("token", unknowns), preview=True).failures == []
    assert emulator.count() == 0
