"""``python -m pulumi_github_private_registry discover|validate``: see :mod:`.tools.cli`."""

from .tools.cli import main

raise SystemExit(main())
