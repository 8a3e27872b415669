"""``python -m pulumi_github_private_registry.emulator``: serve the emulator (see :mod:`.cli`).

``--help`` says what each option does; the start-up line is ``cli.READY_PREFIX`` and the base URL.
"""

from .cli import main

if __name__ == "__main__":
    main()
