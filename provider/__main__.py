"""The plugin's entry point when the Pulumi CLI runs this folder (``PulumiPlugin.yaml``).

The package sits beside this file: it is imported from here, so the plugin is the code of this
checkout (or tag) with the dependencies of ``requirements.txt``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pulumi_github_private_registry.plugin.__main__ import main

main()
