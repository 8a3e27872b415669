"""OrgPrivateRegistry as a Pulumi program sees it, under `pulumi.runtime.set_mocks`."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from pulumi_github_private_registry import (
    OrgPrivateRegistry,
    OrgPrivateRegistryArgs,
    OrgPrivateRegistryProvider,
)

TYPE_TOKEN = "pulumi-python:dynamic/github:OrgPrivateRegistry"


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args)
        outs = dict(args.inputs, name="NPM_REGISTRY_SECRET", created_at="2026-01-01T00:00:00Z")
        outs.update(updated_at="2026-01-01T00:00:00Z", remote_updated_at="2026-01-01T00:00:00Z")
        return f"{args.inputs.get('org')}/NPM_REGISTRY_SECRET", outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> Mocks:
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    return mocks


@pulumi.runtime.test
def test_keyword_arguments_register_the_dynamic_type_with_inputs(mocks: Mocks) -> pulumi.Output[Any]:
    registry = OrgPrivateRegistry(
        "npm",
        org="acme",
        registry_type="npm_registry",
        url="https://npm.pkg.github.com/acme",
        visibility="selected",
        selected_repository_ids=[1296269],
        value="plain-secret",
    )

    def check(values: list[Any]) -> None:
        name, org, url, ids = values
        args = next(a for a in mocks.registered if a.name == "npm")
        assert args.typ == TYPE_TOKEN
        assert args.inputs["registry_type"] == "npm_registry" and args.inputs["org"] == "acme"
        assert args.inputs["selected_repository_ids"] == [1296269]
        assert "__provider" in args.inputs
        assert (name, org, url, ids) == (
            "NPM_REGISTRY_SECRET",
            "acme",
            "https://npm.pkg.github.com/acme",
            [1296269],
        )

    return pulumi.Output.all(
        registry.name, registry.org, registry.url, registry.selected_repository_ids
    ).apply(check)


@pulumi.runtime.test
def test_args_object_is_accepted_like_keywords(mocks: Mocks) -> pulumi.Output[Any]:
    args = OrgPrivateRegistryArgs(
        org="acme",
        registry_type="docker_registry",
        url="https://r.azurecr.io",
        visibility="all",
        auth_type="oidc_azure",
        tenant_id="t",
        client_id="c",
    )
    registry = OrgPrivateRegistry("docker", args)

    def check(values: list[Any]) -> None:
        auth_type, tenant_id = values
        assert (auth_type, tenant_id) == ("oidc_azure", "t")

    return pulumi.Output.all(registry.auth_type, registry.tenant_id).apply(check)


def test_args_and_keywords_together_are_refused(mocks: Mocks) -> None:
    args = OrgPrivateRegistryArgs("npm_registry", "https://x.example.com", "all", org="acme")
    with pytest.raises(TypeError, match="either args or keyword arguments"):
        OrgPrivateRegistry("both", args, registry_type="npm_registry")  # type: ignore[call-overload]


@pulumi.runtime.test
def test_a_plain_string_value_becomes_a_secret_output(mocks: Mocks) -> pulumi.Output[Any]:
    registry = OrgPrivateRegistry(
        "secret",
        org="acme",
        registry_type="npm_registry",
        url="https://x.example.com",
        visibility="all",
        value="plain-secret",
    )

    async def check() -> None:
        assert await registry.value.is_secret(), "value must be secret"
        assert await registry.value.future() == "plain-secret"

    return pulumi.Output.from_input(check())


def test_value_and_ciphertext_are_additional_secret_outputs(mocks: Mocks) -> None:
    seen: list[pulumi.ResourceOptions] = []

    def capture(args: pulumi.ResourceTransformationArgs) -> None:
        seen.append(args.opts)
        return None

    OrgPrivateRegistry(
        "opts",
        org="acme",
        registry_type="npm_registry",
        url="https://x.example.com",
        visibility="all",
        value="v",
        opts=pulumi.ResourceOptions(transformations=[capture]),
    )
    assert seen and set(seen[0].additional_secret_outputs or []) >= {"value", "value_encrypted"}


def test_outputs_are_typed_attributes_seeded_for_every_field(mocks: Mocks) -> None:
    registry = OrgPrivateRegistry(
        "attrs",
        org="acme",
        registry_type="npm_registry",
        url="https://x.example.com",
        visibility="all",
        value="v",
    )
    for attribute in (
        "name",
        "created_at",
        "updated_at",
        "remote_updated_at",
        "value_encrypted",
        "key_id",
        "tenant_id",
        "adopt",
        "replaces_base",
    ):
        assert isinstance(getattr(registry, attribute), pulumi.Output), attribute


@pulumi.runtime.test
def test_a_misspelled_keyword_reaches_the_provider_check(mocks: Mocks) -> pulumi.Output[Any]:
    # Passed through, so that the provider's check names it and suggests `visibility` (mypy
    # flags it first: tests/doors/test_typed_resource.py).
    registry: OrgPrivateRegistry = OrgPrivateRegistry(  # type: ignore[call-overload]
        "typo", org="acme", registry_type="npm_registry", url="https://x", visiblity="all"
    )

    def check(_: Any) -> None:
        args = next(a for a in mocks.registered if a.name == "typo")
        assert args.inputs["visiblity"] == "all" and "visibility" not in args.inputs

    return registry.urn.apply(check)


def test_the_provider_takes_no_arguments_and_pickles_without_state() -> None:
    from pulumi.dynamic.dynamic import serialize_provider

    blob = serialize_provider(OrgPrivateRegistryProvider())
    assert len(blob) < 200, "the provider must pickle by reference, with no attributes"
    assert vars(OrgPrivateRegistryProvider()) == {}


def guide_program() -> str:
    """The Python example of docs/python.md's "In a Pulumi program" section."""
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "python.md").read_text()
    section = text.split("## In a Pulumi program", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pulumi.runtime.test
def test_the_python_guide_declares_a_valid_registry_of_each_auth_type(
    mocks: Mocks, monkeypatch: pytest.MonkeyPatch
) -> pulumi.Output[Any]:
    from pulumi_github_private_registry.core.schema import AUTH_TYPES, declaration_problems

    created: list[OrgPrivateRegistry] = []
    original = OrgPrivateRegistry.__init__

    def recording_init(self: OrgPrivateRegistry, *args: Any, **kwargs: Any) -> None:
        created.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(OrgPrivateRegistry, "__init__", recording_init)
    pulumi.runtime.set_config("project:npmToken", "npm-token")
    pulumi.runtime.set_config("project:mavenPassword", "maven-password")
    exec(compile(guide_program(), "docs/python.md", "exec"), {"__name__": "__main__"})

    def check(_: Any) -> None:
        declared = [a for a in mocks.registered if a.typ == TYPE_TOKEN]
        assert sorted(a.inputs.get("auth_type", "token") for a in declared) == sorted(AUTH_TYPES)
        for args in declared:
            # Secrets reach the mock monitor in their envelope: {<signature>: ..., "value": v}.
            inputs = {
                k: v["value"] if isinstance(v, dict) and "value" in v else v
                for k, v in args.inputs.items()
                if k != "__provider"
            }
            assert declaration_problems(inputs) == [], args.name

    return pulumi.Output.all(*[r.urn for r in created]).apply(check)
