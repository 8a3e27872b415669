"""A GitHub stand-in for the private-registries endpoints: see :mod:`.server`.

``python -m pulumi_github_private_registry.emulator`` serves it from the command line.
"""

from .server import SECONDARY_MESSAGE, Emulator, Fault, LoggedRequest, main

__all__ = ["SECONDARY_MESSAGE", "Emulator", "Fault", "LoggedRequest", "main"]
