"""``python -m pulumi_github_private_registry.emulator``: serve the emulator (see :mod:`.server`).

``--help`` says what each option does; the start-up line is ``server.READY_PREFIX`` and the base URL.
"""

from .server import main

if __name__ == "__main__":
    main()
