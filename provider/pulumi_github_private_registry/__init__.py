"""Pulumi dynamic provider for GitHub organization private registries.

``OrgPrivateRegistry`` declares one registry; ``OrgPrivateRegistryProvider`` implements it. The
names are loaded on first use so that importing a submodule (the client, the emulator, the CLI)
does not pull in the Pulumi SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["OrgPrivateRegistry", "OrgPrivateRegistryArgs", "OrgPrivateRegistryProvider", "__version__"]

if TYPE_CHECKING:
    from .core.version import __version__
    from .provider import OrgPrivateRegistryProvider
    from .resource import OrgPrivateRegistry, OrgPrivateRegistryArgs


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # Re-exported (lazily, like the rest: the emulator loads nothing of the core): this is
        # where users and tools ask for the version; core/version.py is where it is written.
        from .core.version import __version__

        return __version__
    if name in ("OrgPrivateRegistry", "OrgPrivateRegistryArgs"):
        from . import resource

        return getattr(resource, name)
    if name == "OrgPrivateRegistryProvider":
        from .provider import OrgPrivateRegistryProvider

        return OrgPrivateRegistryProvider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
