"""A GitHub stand-in for the six private-registries endpoints, for tests, benchmarks and demos.

``Emulator().start()`` serves the REST API on 127.0.0.1 from a daemon thread;
``python -m pulumi_github_private_registry.emulator --port N`` serves it from the command line.
State lives in memory; each org has an X25519 key pair that opens what clients seal. Tests can
change state behind the client's back, inject faults and impose rate limits.

The emulator judges requests from sources independent of the provider it tests, and imports
nothing of the provider: a stand-in that reused the code under test would confirm its mistakes.
Request bodies are validated against GitHub's OpenAPI request schemas (the extract shipped beside
these modules, read with ``openapi-schema-validator``: ``pip install
'pulumi-github-private-registry[emulator]'``), and what those schemas cannot say is stated once in
:mod:`.facts` from GitHub's reference pages. The rest is what a server knows: names, keys,
timestamps, pagination, credentials, rate limits and GitHub's error shapes. ``GET /user/orgs``
lists the organizations that exist (for ``discover --all-orgs``).

It can also play a GitHub Enterprise Server release (``Emulator(ghes_version="3.14",
ghes_stage=N)``; the stages, read off GitHub's reference pages of successive times, are
``GHES_STAGES``) and serve GitHub Apps: the app endpoints a client needs (the organization's
installation, the app's installations, an installation token), with RS256 JWTs verified by PyJWT
(the same extra) and tokens that expire on a clock tests can move. See :class:`Emulator`.

The modules, each importing only those above it (as moto splits a fake: models, responses, routing):
:mod:`.facts` (what GitHub documents), :mod:`.messages` (requests, replies, refusals),
:mod:`.contract` (the OpenAPI extract and its validators), :mod:`.apps` (GitHub Apps and JWTs),
:mod:`.registries` (an org's keys and records, and their rules), :mod:`.models` (the state and the
test controls), :mod:`.responses` (one handler per endpoint), :mod:`.routing` (the route table and
the checks), :mod:`.serving` (HTTP: :class:`Emulator`), :mod:`.cli` (the command).
"""

from .cli import main
from .facts import GHES_STAGES, SECONDARY_MESSAGE, GhesStage
from .models import Fault, LoggedRequest
from .serving import Emulator

__all__ = ["GHES_STAGES", "SECONDARY_MESSAGE", "Emulator", "Fault", "GhesStage", "LoggedRequest", "main"]
