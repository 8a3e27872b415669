"""A GitHub stand-in for the private-registries endpoints: see :mod:`.server`.

``python -m pulumi_github_private_registry.emulator`` serves it from the command line.
"""

from .server import GHES_STAGES, SECONDARY_MESSAGE, Emulator, Fault, GhesStage, LoggedRequest, main

__all__ = ["GHES_STAGES", "SECONDARY_MESSAGE", "Emulator", "Fault", "GhesStage", "LoggedRequest", "main"]
