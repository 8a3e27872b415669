"""``OrgPrivateRegistry``: what a Pulumi program declares.

Type token ``pulumi-python:dynamic/github:OrgPrivateRegistry``. Shaped like pulumi-github's
generated resources: typed keyword arguments, or an :class:`OrgPrivateRegistryArgs`, and typed
read-only outputs, so that IDEs and mypy check a declaration before ``pulumi preview`` does.
``value`` is made secret even when given as a plain string, and so are the outputs derived from it.

The signatures here restate :data:`schema.FIELDS` for static tools, which cannot read the table;
``tests/doors/test_typed_resource.py`` proves they state the same names, types and docs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, cast, overload

import pulumi
import pulumi.dynamic

from .core import schema
from .provider import OrgPrivateRegistryProvider

__all__ = ["SECRET_OUTPUTS", "OrgPrivateRegistry", "OrgPrivateRegistryArgs"]

SECRET_OUTPUTS: list[str] = list(schema.SECRET_OUTPUTS)
"""Outputs kept secret in state and in every output: the value and its ciphertext."""


@dataclass
class OrgPrivateRegistryArgs:
    """The inputs of an :class:`OrgPrivateRegistry`, named as GitHub's fields.

    ``registry_type``, ``url`` and ``visibility`` are required; so is ``value`` (or
    ``value_encrypted`` with ``key_id``) for the ``token`` and ``username_password`` auth types,
    and the OIDC fields of the chosen OIDC auth type. The provider's check reports what is
    missing or wrong at ``pulumi preview``, naming the property. Each output of
    :class:`OrgPrivateRegistry` documents its field.
    """

    # 0.1.0's order, in which positional arguments bind: the three required fields come first.
    registry_type: pulumi.Input[str]
    url: pulumi.Input[str]
    visibility: pulumi.Input[str]
    org: pulumi.Input[str | None] = None
    """The organization; defaults to the ``github:owner`` config / ``GITHUB_OWNER``."""
    auth_type: pulumi.Input[str | None] = None
    """``token`` (default), ``username_password`` or one of the OIDC types; changing it replaces."""
    username: pulumi.Input[str | None] = None
    replaces_base: pulumi.Input[bool | None] = None
    selected_repository_ids: pulumi.Input[Sequence[pulumi.Input[int]] | None] = None
    value: pulumi.Input[str | None] = None
    """The plaintext secret; the provider seals it with the org's key. Always secret."""
    value_encrypted: pulumi.Input[str | None] = None
    """An already sealed value (standard base64), with the ``key_id`` it was sealed with."""
    key_id: pulumi.Input[str | None] = None
    tenant_id: pulumi.Input[str | None] = None
    client_id: pulumi.Input[str | None] = None
    aws_region: pulumi.Input[str | None] = None
    account_id: pulumi.Input[str | None] = None
    role_name: pulumi.Input[str | None] = None
    domain: pulumi.Input[str | None] = None
    domain_owner: pulumi.Input[str | None] = None
    jfrog_oidc_provider_name: pulumi.Input[str | None] = None
    audience: pulumi.Input[str | None] = None
    identity_mapping_name: pulumi.Input[str | None] = None
    namespace: pulumi.Input[str | None] = None
    service_slug: pulumi.Input[str | None] = None
    api_host: pulumi.Input[str | None] = None
    workload_identity_provider: pulumi.Input[str | None] = None
    service_account: pulumi.Input[str | None] = None
    adopt: pulumi.Input[bool | None] = None
    """Take over a registry of this type that already exists in the org (default false)."""
    ignore_value_drift: pulumi.Input[bool | None] = None
    """Keep a secret rotated outside Pulumi instead of sending the declared one again (default false)."""


_ARG_NAMES = tuple(f.name for f in fields(OrgPrivateRegistryArgs))


def _output(resource: pulumi.Resource, name: str) -> pulumi.Output[Any]:
    # The SDK stores each registered property in the instance's __dict__, untyped.
    return cast("pulumi.Output[Any]", pulumi.get(resource, name))


def _split(
    positional: tuple[Any, ...], keywords: dict[str, Any]
) -> tuple[OrgPrivateRegistryArgs | None, pulumi.ResourceOptions | None]:
    """The args and options of a call: ``(name, args, opts)``, ``(name, opts, **fields)``.

    0.1.0's ``(name, None, opts, **fields)`` still binds. Pops ``args`` and ``opts`` from
    ``keywords``, leaving the fields (known or not).
    """
    given = list(positional)
    if given and isinstance(given[0], pulumi.ResourceOptions):
        given.insert(0, None)  # pulumi-github's form: options second, no args
    if len(given) > 2:
        raise TypeError("OrgPrivateRegistry takes at most a name, args and opts by position")
    args = keywords.pop("args", None)
    opts = keywords.pop("opts", None)
    by_position: list[Any] = [*given, None, None]
    if by_position[0] is not None:
        if args is not None:
            raise TypeError("OrgPrivateRegistry got args both by position and by keyword")
        args = by_position[0]
    if by_position[1] is not None:
        if opts is not None:
            raise TypeError("OrgPrivateRegistry got opts both by position and by keyword")
        opts = by_position[1]
    if args is not None and not isinstance(args, OrgPrivateRegistryArgs):
        raise TypeError(f"args must be an OrgPrivateRegistryArgs, not {type(args).__name__}")
    if opts is not None and not isinstance(opts, pulumi.ResourceOptions):
        raise TypeError(f"opts must be a pulumi.ResourceOptions, not {type(opts).__name__}")
    if args is not None and keywords:
        raise TypeError("give OrgPrivateRegistry either args or keyword arguments, not both")
    return args, opts


class OrgPrivateRegistry(pulumi.dynamic.Resource, module="github", name="OrgPrivateRegistry"):
    """A private registry configuration of a GitHub organization (one per registry type)."""

    @overload
    def __init__(
        self,
        resource_name: str,
        args: OrgPrivateRegistryArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        registry_type: pulumi.Input[str],
        url: pulumi.Input[str],
        visibility: pulumi.Input[str],
        org: pulumi.Input[str | None] = None,
        auth_type: pulumi.Input[str | None] = None,
        username: pulumi.Input[str | None] = None,
        replaces_base: pulumi.Input[bool | None] = None,
        selected_repository_ids: pulumi.Input[Sequence[pulumi.Input[int]] | None] = None,
        value: pulumi.Input[str | None] = None,
        value_encrypted: pulumi.Input[str | None] = None,
        key_id: pulumi.Input[str | None] = None,
        tenant_id: pulumi.Input[str | None] = None,
        client_id: pulumi.Input[str | None] = None,
        aws_region: pulumi.Input[str | None] = None,
        account_id: pulumi.Input[str | None] = None,
        role_name: pulumi.Input[str | None] = None,
        domain: pulumi.Input[str | None] = None,
        domain_owner: pulumi.Input[str | None] = None,
        jfrog_oidc_provider_name: pulumi.Input[str | None] = None,
        audience: pulumi.Input[str | None] = None,
        identity_mapping_name: pulumi.Input[str | None] = None,
        namespace: pulumi.Input[str | None] = None,
        service_slug: pulumi.Input[str | None] = None,
        api_host: pulumi.Input[str | None] = None,
        workload_identity_provider: pulumi.Input[str | None] = None,
        service_account: pulumi.Input[str | None] = None,
        adopt: pulumi.Input[bool | None] = None,
        ignore_value_drift: pulumi.Input[bool | None] = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *positional: Any, **keywords: Any) -> None:
        """Declare a registry from an :class:`OrgPrivateRegistryArgs` or keyword arguments."""
        args, opts = _split(positional, keywords)
        # Unknown names (a typo such as `visiblity`) go through to the provider's check, which
        # names them and suggests the right one at preview (mypy flags them before, through the
        # overloads). Missing required names, too: the check names them.
        props: dict[str, Any] = {k: v for k, v in keywords.items() if k not in _ARG_NAMES}
        if args is None:
            props.update({name: keywords.get(name) for name in _ARG_NAMES})
        else:
            props.update({name: getattr(args, name) for name in _ARG_NAMES})
        if props.get("value") is not None:
            props["value"] = pulumi.Output.secret(props["value"])
        # Outputs must be seeded (as None) to become attributes.
        for key in (*schema.OUTPUT_ONLY_FIELDS, *schema.INPUT_FIELDS):
            props.setdefault(key, None)
        secret = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        super().__init__(
            OrgPrivateRegistryProvider(),
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secret),
        )

    @property
    @pulumi.getter
    def org(self) -> pulumi.Output[str]:
        """The organization; defaults to the provider's configured owner (or GITHUB_OWNER)."""
        return _output(self, "org")

    @property
    @pulumi.getter
    def registry_type(self) -> pulumi.Output[str]:
        """The registry type; GitHub names the configuration after it (NPM_REGISTRY_SECRET)."""
        return _output(self, "registry_type")

    @property
    @pulumi.getter
    def url(self) -> pulumi.Output[str]:
        """The registry's URL."""
        return _output(self, "url")

    @property
    @pulumi.getter
    def visibility(self) -> pulumi.Output[str]:
        """Which repositories may use it; 'selected' goes with the list of repository ids."""
        return _output(self, "visibility")

    @property
    @pulumi.getter
    def auth_type(self) -> pulumi.Output[str]:
        """How Dependabot authenticates; changing it replaces the registry."""
        return _output(self, "auth_type")

    @property
    @pulumi.getter
    def username(self) -> pulumi.Output[str | None]:
        """The username: required with the username_password auth type, optional with token."""
        return _output(self, "username")

    @property
    @pulumi.getter
    def replaces_base(self) -> pulumi.Output[bool]:
        """Whether Dependabot uses this registry instead of the ecosystem's public one."""
        return _output(self, "replaces_base")

    @property
    @pulumi.getter
    def selected_repository_ids(self) -> pulumi.Output[list[int] | None]:
        """The repositories that may use it, with visibility 'selected'."""
        return _output(self, "selected_repository_ids")

    @property
    @pulumi.getter
    def value(self) -> pulumi.Output[str | None]:
        """The plaintext secret; the provider seals it with the org's key. Always secret."""
        return _output(self, "value")

    @property
    @pulumi.getter
    def value_encrypted(self) -> pulumi.Output[str | None]:
        """An already sealed value (standard base64), with the id of the key it was sealed with."""
        return _output(self, "value_encrypted")

    @property
    @pulumi.getter
    def key_id(self) -> pulumi.Output[str | None]:
        """The id of the org's key an already sealed value was sealed with."""
        return _output(self, "key_id")

    @property
    @pulumi.getter
    def tenant_id(self) -> pulumi.Output[str | None]:
        """The Azure tenant id (oidc_azure)."""
        return _output(self, "tenant_id")

    @property
    @pulumi.getter
    def client_id(self) -> pulumi.Output[str | None]:
        """The Azure client id (oidc_azure)."""
        return _output(self, "client_id")

    @property
    @pulumi.getter
    def aws_region(self) -> pulumi.Output[str | None]:
        """The AWS region (oidc_aws)."""
        return _output(self, "aws_region")

    @property
    @pulumi.getter
    def account_id(self) -> pulumi.Output[str | None]:
        """The AWS account id (oidc_aws)."""
        return _output(self, "account_id")

    @property
    @pulumi.getter
    def role_name(self) -> pulumi.Output[str | None]:
        """The AWS role name (oidc_aws)."""
        return _output(self, "role_name")

    @property
    @pulumi.getter
    def domain(self) -> pulumi.Output[str | None]:
        """The CodeArtifact domain (oidc_aws)."""
        return _output(self, "domain")

    @property
    @pulumi.getter
    def domain_owner(self) -> pulumi.Output[str | None]:
        """The CodeArtifact domain owner (oidc_aws)."""
        return _output(self, "domain_owner")

    @property
    @pulumi.getter
    def jfrog_oidc_provider_name(self) -> pulumi.Output[str | None]:
        """The JFrog OIDC provider name (oidc_jfrog)."""
        return _output(self, "jfrog_oidc_provider_name")

    @property
    @pulumi.getter
    def audience(self) -> pulumi.Output[str | None]:
        """The OIDC audience (oidc_aws, oidc_jfrog, oidc_gcp; required for oidc_cloudsmith)."""
        return _output(self, "audience")

    @property
    @pulumi.getter
    def identity_mapping_name(self) -> pulumi.Output[str | None]:
        """The JFrog identity mapping name (oidc_jfrog)."""
        return _output(self, "identity_mapping_name")

    @property
    @pulumi.getter
    def namespace(self) -> pulumi.Output[str | None]:
        """The Cloudsmith namespace (oidc_cloudsmith)."""
        return _output(self, "namespace")

    @property
    @pulumi.getter
    def service_slug(self) -> pulumi.Output[str | None]:
        """The Cloudsmith service slug (oidc_cloudsmith)."""
        return _output(self, "service_slug")

    @property
    @pulumi.getter
    def api_host(self) -> pulumi.Output[str | None]:
        """The Cloudsmith API host (oidc_cloudsmith)."""
        return _output(self, "api_host")

    @property
    @pulumi.getter
    def workload_identity_provider(self) -> pulumi.Output[str | None]:
        """The GCP workload identity provider (oidc_gcp)."""
        return _output(self, "workload_identity_provider")

    @property
    @pulumi.getter
    def service_account(self) -> pulumi.Output[str | None]:
        """The GCP service account (oidc_gcp)."""
        return _output(self, "service_account")

    @property
    @pulumi.getter
    def adopt(self) -> pulumi.Output[bool]:
        """Take over a registry of this type that already exists in the org."""
        return _output(self, "adopt")

    @property
    @pulumi.getter
    def ignore_value_drift(self) -> pulumi.Output[bool]:
        """Keep a secret rotated outside Pulumi (a vault, a workflow): a change of the value at GitHub is
        recorded on refresh and not overwritten; a change of the declared value is still sent.
        """
        return _output(self, "ignore_value_drift")

    @property
    @pulumi.getter
    def name(self) -> pulumi.Output[str]:
        """GitHub's name for the configuration, e.g. NPM_REGISTRY_SECRET."""
        return _output(self, "name")

    @property
    @pulumi.getter
    def created_at(self) -> pulumi.Output[str]:
        """When GitHub created it."""
        return _output(self, "created_at")

    @property
    @pulumi.getter
    def updated_at(self) -> pulumi.Output[str]:
        """When this stack last wrote it."""
        return _output(self, "updated_at")

    @property
    @pulumi.getter
    def remote_updated_at(self) -> pulumi.Output[str]:
        """When GitHub last changed it, as of the last read: differs from updated_at after drift."""
        return _output(self, "remote_updated_at")
