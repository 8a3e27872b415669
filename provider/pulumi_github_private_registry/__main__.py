"""``python -m pulumi_github_private_registry discover|validate|drift``: see :mod:`.tools.cli`."""

from .tools.cli import main

raise SystemExit(main())
