"""``python -m pulumi_github_private_registry.emulator``: serve the emulator (see :mod:`.server`)."""

from .server import main

main()
