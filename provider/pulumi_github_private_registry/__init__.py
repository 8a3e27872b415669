"""Pulumi dynamic provider for GitHub organization private registries.

``OrgPrivateRegistry`` declares one registry; ``OrgPrivateRegistryProvider`` implements it. The
names are loaded on first use so that importing a submodule (the client, the emulator, the CLI)
does not pull in the Pulumi SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.4.0"

__all__ = ["OrgPrivateRegistry", "OrgPrivateRegistryArgs", "OrgPrivateRegistryProvider", "__version__"]

if TYPE_CHECKING:
    from .provider import OrgPrivateRegistryProvider
    from .resource import OrgPrivateRegistry, OrgPrivateRegistryArgs


def __getattr__(name: str) -> Any:
    if name in ("OrgPrivateRegistry", "OrgPrivateRegistryArgs"):
        from . import resource

        return getattr(resource, name)
    if name == "OrgPrivateRegistryProvider":
        from .provider import OrgPrivateRegistryProvider

        return OrgPrivateRegistryProvider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
