"""``python -m pulumi_github_private_registry discover|validate``: see :mod:`.cli`."""

from .cli import main

raise SystemExit(main())
