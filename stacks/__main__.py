"""Entry point of the Pulumi program (``main: stacks/`` in Pulumi.yaml); the program is registries.py."""

import sys
from pathlib import Path

# Pulumi runs this directory as a script; make its modules importable whatever the working directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import registries

registries.main()
