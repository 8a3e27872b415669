"""``OrgPrivateRegistry``: what a Pulumi program declares.

Type token ``pulumi-python:dynamic/github:OrgPrivateRegistry``. Takes an
:class:`OrgPrivateRegistryArgs` or the same names as keyword arguments, like pulumi-github's
resources. ``value`` is made secret even when given as a plain string, and so are the outputs
derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

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
    missing or wrong at ``pulumi preview``, naming the property.
    """

    registry_type: pulumi.Input[str] | None = None
    url: pulumi.Input[str] | None = None
    visibility: pulumi.Input[str] | None = None
    org: pulumi.Input[str] | None = None
    """The organization; defaults to the ``github:owner`` config / ``GITHUB_OWNER``."""
    auth_type: pulumi.Input[str] | None = None
    """``token`` (default), ``username_password`` or one of the OIDC types; changing it replaces."""
    username: pulumi.Input[str] | None = None
    replaces_base: pulumi.Input[bool] | None = None
    selected_repository_ids: pulumi.Input[list[pulumi.Input[int]]] | None = None
    value: pulumi.Input[str] | None = None
    """The plaintext secret; the provider seals it with the org's key. Always secret."""
    value_encrypted: pulumi.Input[str] | None = None
    """An already sealed value (standard base64), with the ``key_id`` it was sealed with."""
    key_id: pulumi.Input[str] | None = None
    tenant_id: pulumi.Input[str] | None = None
    client_id: pulumi.Input[str] | None = None
    aws_region: pulumi.Input[str] | None = None
    account_id: pulumi.Input[str] | None = None
    role_name: pulumi.Input[str] | None = None
    domain: pulumi.Input[str] | None = None
    domain_owner: pulumi.Input[str] | None = None
    jfrog_oidc_provider_name: pulumi.Input[str] | None = None
    audience: pulumi.Input[str] | None = None
    identity_mapping_name: pulumi.Input[str] | None = None
    namespace: pulumi.Input[str] | None = None
    service_slug: pulumi.Input[str] | None = None
    api_host: pulumi.Input[str] | None = None
    workload_identity_provider: pulumi.Input[str] | None = None
    service_account: pulumi.Input[str] | None = None
    adopt: pulumi.Input[bool] | None = None
    """Take over a registry of this type that already exists in the org (default false)."""
    ignore_value_drift: pulumi.Input[bool] | None = None
    """Keep a secret rotated outside Pulumi instead of sending the declared one again (default false)."""


class OrgPrivateRegistry(pulumi.dynamic.Resource, module="github", name="OrgPrivateRegistry"):
    """A private registry configuration of a GitHub organization (one per registry type)."""

    org: pulumi.Output[str]
    registry_type: pulumi.Output[str]
    url: pulumi.Output[str]
    visibility: pulumi.Output[str]
    auth_type: pulumi.Output[str]
    username: pulumi.Output[str | None]
    replaces_base: pulumi.Output[bool]
    selected_repository_ids: pulumi.Output[list[int] | None]
    value: pulumi.Output[str | None]
    value_encrypted: pulumi.Output[str | None]
    key_id: pulumi.Output[str | None]
    tenant_id: pulumi.Output[str | None]
    client_id: pulumi.Output[str | None]
    aws_region: pulumi.Output[str | None]
    account_id: pulumi.Output[str | None]
    role_name: pulumi.Output[str | None]
    domain: pulumi.Output[str | None]
    domain_owner: pulumi.Output[str | None]
    jfrog_oidc_provider_name: pulumi.Output[str | None]
    audience: pulumi.Output[str | None]
    identity_mapping_name: pulumi.Output[str | None]
    namespace: pulumi.Output[str | None]
    service_slug: pulumi.Output[str | None]
    api_host: pulumi.Output[str | None]
    workload_identity_provider: pulumi.Output[str | None]
    service_account: pulumi.Output[str | None]
    adopt: pulumi.Output[bool]
    ignore_value_drift: pulumi.Output[bool]
    name: pulumi.Output[str]
    """GitHub's name for the configuration, e.g. ``NPM_REGISTRY_SECRET``."""
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]
    """When this stack last wrote the registry."""
    remote_updated_at: pulumi.Output[str]
    """When GitHub last changed it, as of the last read: differs from ``updated_at`` after drift."""

    def __init__(
        self,
        resource_name: str,
        args: OrgPrivateRegistryArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **kwargs: Any,
    ) -> None:
        if args is not None and kwargs:
            raise TypeError("give OrgPrivateRegistry either args or keyword arguments, not both")
        known = {f.name for f in fields(OrgPrivateRegistryArgs)}
        # Unknown names (a typo such as `visiblity`) go through to the provider's check, which
        # names them and suggests the right one at preview.
        props: dict[str, Any] = {k: v for k, v in kwargs.items() if k not in known}
        if args is None:
            args = OrgPrivateRegistryArgs(**{k: v for k, v in kwargs.items() if k in known})
        props.update({name: getattr(args, name) for name in known})
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
