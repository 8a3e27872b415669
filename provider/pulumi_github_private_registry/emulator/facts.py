"""What GitHub documents, stated once: the facts the emulator judges and answers by.

URLs, limits and messages of GitHub's answers; what the OpenAPI request schemas cannot say (which
fields each auth type takes, what cannot change, what is never shown); the API versions; the GitHub
Enterprise Server stages; the GitHub App and JWT rules. Plain data, citing its sources; it imports
nothing (the rest of the emulator imports it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

DOCS_URL: Final = "https://docs.github.com/rest/private-registries/organization-configurations"
RATE_DOCS_URL: Final = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
PRIMARY_LIMIT: Final = 5000
DEFAULT_API_VERSION: Final = "2022-11-28"
SECONDARY_MESSAGE: Final = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
PRIMARY_MESSAGE: Final = (
    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, "
    "please include the request ID."
)
# What the emulator needs beyond the package (OpenAPI validation, PyJWT), as an error says it.
INSTALL_HINT: Final = "pip install 'pulumi-github-private-registry[emulator]'"
DOCS_ROOT: Final = "https://docs.github.com/"  # a GHES's docs are under DOCS_ROOT + "enterprise-server@3.14/"

# --- What GitHub documents beyond its schemas ----------------------------------------------------
# Facts the OpenAPI request schemas cannot express, in the emulator's own words. Unless marked
# "inferred", each comes from GitHub's REST reference "REST API endpoints for private registries >
# Organization configurations" (https://docs.github.com/rest/private-registries/organization-configurations),
# sections "Create a private registry for an organization" and "Update a private registry for an
# organization", body parameters (API versions 2022-11-28 and 2026-03-10, which describe these
# endpoints alike). "Inferred" marks what the emulator concludes where the pages are silent.


@dataclass(frozen=True)
class AuthFacts:
    """What an auth type takes: the auth-specific fields it needs and may have, and a sealed value."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    sealed: bool = False  # True: needs encrypted_value with its key_id; False: takes neither

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self.required) | frozenset(self.optional)


AUTH_FACTS: Final[Mapping[str, AuthFacts]] = {
    # encrypted_value and key_id: "Required when auth_type is token or username_password. Should be
    # omitted for OIDC auth types." username: "should be omitted if the private registry does not
    # require a username for authentication", so optional.
    "token": AuthFacts(optional=("username",), sealed=True),
    # Inferred: no page says username is required here, but this type is a username and a password.
    "username_password": AuthFacts(required=("username",), sealed=True),
    # tenant_id, client_id: "Required when auth_type is oidc_azure."
    "oidc_azure": AuthFacts(required=("tenant_id", "client_id")),
    # aws_region, account_id, role_name, domain, domain_owner: "Required when auth_type is oidc_aws."
    # audience: "Optional for oidc_aws, oidc_jfrog, and oidc_gcp, and required for oidc_cloudsmith."
    "oidc_aws": AuthFacts(
        required=("aws_region", "account_id", "role_name", "domain", "domain_owner"), optional=("audience",)
    ),
    # jfrog_oidc_provider_name: "Required when auth_type is oidc_jfrog." identity_mapping_name:
    # "Optional for oidc_jfrog auth type." audience: as above.
    "oidc_jfrog": AuthFacts(
        required=("jfrog_oidc_provider_name",), optional=("audience", "identity_mapping_name")
    ),
    # namespace, service_slug: "Required when auth_type is oidc_cloudsmith." audience: "required for
    # oidc_cloudsmith". api_host: "Optional for oidc_cloudsmith auth type."
    "oidc_cloudsmith": AuthFacts(required=("namespace", "service_slug", "audience"), optional=("api_host",)),
    # workload_identity_provider: "Required when auth_type is oidc_gcp." service_account: "Optional
    # for oidc_gcp auth type." audience: as above.
    "oidc_gcp": AuthFacts(required=("workload_identity_provider",), optional=("service_account", "audience")),
}
"""Per auth type, from the body parameters' descriptions. Inferred: a field the pages tie to some
auth types (username included: OIDC registries authenticate without one) is refused with others."""

AUTH_SPECIFIC: Final = tuple(dict.fromkeys(f for facts in AUTH_FACTS.values() for f in facts.allowed))
DEFAULT_AUTH_TYPE: Final = "token"  # auth_type: "Defaults to token if not specified."
SEALED: Final = ("encrypted_value", "key_id")  # key_id: "The ID of the key you used to encrypt the secret"
# Inferred: GitHub's own configurations are named after their type, "registry_type":
# "maven_repository" <-> "name": "MAVEN_REPOSITORY_SECRET" in every example, so an org holds at
# most one registry per type, and registry_type, which names it, cannot change on update.
# The update's auth_type: "This field cannot be changed after creation. If provided, it must match
# the existing auth_type of the configuration." (2026-03-10 reference.)
FIXED: Final = ("registry_type", "auth_type")
# GitHub never shows a value: list "without revealing their encrypted values", get "omitting its
# encrypted value". selected_repository_ids appears only in the create answer's schema
# (org-private-registry-configuration-with-selected-repositories), not in get's or list's.
NEVER_SHOWN: Final = frozenset(SEALED)
SHOWN_ON_CREATE_ONLY: Final = "selected_repository_ids"
# A registry type the schema lists but github.com does not accept yet: in May 2026 github.com refused
# hex_organization and hex_repository, both in its OpenAPI description, with 422 and this message,
# the types it accepts in a plain string under "errors" ("registry_type must be one of:
# maven_repository, nuget_feed, ...": issue #17 of this project). Emulator(refused_registry_types=...)
# plays that; by default every type the schema lists is accepted. Inferred: the types are listed in
# the schema's order, which the observed message starts alike.
REFUSED_TYPE_MESSAGE: Final = "Failed to create private registry configuration"


def configuration_name(registry_type: str) -> str:
    """GitHub's name for a registry of ``registry_type``: ``npm_registry`` -> ``NPM_REGISTRY_SECRET``."""
    return registry_type.upper() + "_SECRET"


# --- API versions ---------------------------------------------------------------------------------
# A client names the version it wants in X-GitHub-Api-Version; without one GitHub selects 2022-11-28
# and says which it served in X-GitHub-Api-Version-Selected ("API Versions",
# https://docs.github.com/rest/about-the-rest-api/api-versions). GitHub compares the name leniently
# (case and white space ignored) and refuses one it does not support with 400, a "Bad Request"
# message and, unusually, a string under "errors" naming the supported versions, newest first, as
# clients quote it (e.g. expipiplus1/update-nix-fetchgit#79). Credentials are judged first: a bad
# token with a bad version is a 401. github.com supports 2026-03-10 and 2022-11-28.
GITHUB_API_VERSIONS: Final = ("2026-03-10", DEFAULT_API_VERSION)  # newest first
# GitHub Enterprise Server: 2022-11-28, the one version its REST reference offered before
# 2026-03-10 (the 001 page below is from that time). The newest page (000) shows a GHES
# (http(s)://HOSTNAME/api/v3) with 2026-03-10 examples: a recent enough release serves that version
# too, which Emulator(ghes_api_versions=GITHUB_API_VERSIONS) models.
GHES_API_VERSIONS: Final = (DEFAULT_API_VERSION,)
VERSIONS_DOCS: Final = "https://docs.github.com/rest"


# --- GitHub Enterprise Server ---------------------------------------------------------------------
# A GHES release serves the REST API under /api/v3 and names itself in the X-GitHub-Enterprise-Version
# header of every answer and in GET /meta's "installed_version" (GHES's "Meta" reference,
# https://docs.github.com/enterprise-server@latest/rest/meta/meta). What a release knows of the
# private-registries API is the API as github.com documented it when the release was cut, so the
# stages below are read off GitHub's reference pages of successive times, kept in the project's
# shared api/ folder under the names cited (000 is the newest). Each stage's request schema is the
# shipped OpenAPI's, narrowed to the fields and enum values its page documents: a value the release
# does not know is refused as that release's enum validation would refuse it (422, the field and
# the value named).


@dataclass(frozen=True)
class GhesStage:
    """What one GitHub Enterprise Server release knows of the private-registries API.

    ``None`` for ``registry_types``, ``auth_types``, ``fields`` or ``create_required`` means: as the
    shipped OpenAPI extract has it."""

    number: int
    source: str  # the reference page the stage is read from
    api: bool = True  # False: no private-registries API at all, every endpoint answers 404
    registry_types: tuple[str, ...] | None = None
    auth_types: tuple[str, ...] | None = None
    fields: tuple[str, ...] | None = None  # the request bodies' fields
    create_required: tuple[str, ...] | None = None


GHES_STAGES: Final[tuple[GhesStage, ...]] = (
    GhesStage(
        0,
        "none: a release from before the API (no page documents one; every endpoint answers 404)",
        api=False,
    ),
    GhesStage(
        1,
        # 001_f92bf36ff2144fc5.txt: docs.github.com (fr), api.github.com examples at 2022-11-28, the
        # API "in public preview". Create body: registry_type ("Value: maven_repository", its only
        # value), username, encrypted_value, key_id, visibility, selected_repository_ids; required
        # ("Obligatoire"): registry_type, encrypted_value, key_id, visibility. No url, no
        # replaces_base, no auth_type and no OIDC field. 003_1e098b86e769dba0.txt (octokit's
        # createOrgPrivateRegistry, also "public preview") names the same fields and required ones.
        "001_f92bf36ff2144fc5.txt (with 003_1e098b86e769dba0.txt): maven_repository only, token auth",
        registry_types=("maven_repository",),
        # Inferred: the page has no auth_type, and needs the sealed value of every registry, so each
        # is a token registry. The emulator keeps auth_type with that one value, so that a client
        # that names a type is judged on it (GitHub's schema, open to unknown fields, would ignore it).
        auth_types=("token",),
        fields=(
            "registry_type",
            "username",
            "encrypted_value",
            "key_id",
            "visibility",
            "selected_repository_ids",
        ),
        create_required=("registry_type", "encrypted_value", "key_id", "visibility"),
    ),
    GhesStage(
        2,
        # 002_4841f4f444b0cbfd.txt: the update's reference (PATCH .../{secret_name}): registry_type's
        # 15 values, auth_type's 6 ("oidc_azure", "oidc_cloudsmith", "oidc_aws", "username_password",
        # "oidc_jfrog", "token": no oidc_gcp), url, replaces_base and the fields of those OIDC types
        # (no workload_identity_provider, no service_account). Inferred: the page shows no create
        # body; its fields are the update's, and its required ones the newest create's.
        "002_4841f4f444b0cbfd.txt: 15 registry types, token, username_password and 4 OIDC auth types",
        registry_types=(
            "composer_repository",
            "goproxy_server",
            "docker_registry",
            "hex_organization",
            "cargo_registry",
            "helm_registry",
            "terraform_registry",
            "maven_repository",
            "npm_registry",
            "rubygems_server",
            "python_index",
            "pub_repository",
            "git_source",
            "nuget_feed",
            "hex_repository",
        ),
        auth_types=("token", "username_password", "oidc_azure", "oidc_aws", "oidc_jfrog", "oidc_cloudsmith"),
        fields=(
            "registry_type",
            "url",
            "username",
            "replaces_base",
            "encrypted_value",
            "key_id",
            "visibility",
            "selected_repository_ids",
            "auth_type",
            "tenant_id",
            "client_id",
            "aws_region",
            "account_id",
            "role_name",
            "domain",
            "domain_owner",
            "jfrog_oidc_provider_name",
            "audience",
            "identity_mapping_name",
            "namespace",
            "service_slug",
            "api_host",
        ),
    ),
    # 000_e8b05d23bbf33765.txt, the newest page (a GHES one: http(s)://HOSTNAME/api/v3 examples):
    # oidc_gcp with workload_identity_provider and service_account join; the same fields as the
    # shipped OpenAPI extract, which this stage is.
    GhesStage(3, "000_e8b05d23bbf33765.txt: the shipped OpenAPI extract, oidc_gcp included"),
)
"""GitHub Enterprise Server stages, oldest first; ``Emulator(ghes_stage=N)`` serves ``GHES_STAGES[N]``."""


# --- GitHub Apps ----------------------------------------------------------------------------------
# From "Generating a JSON Web Token (JWT) for a GitHub App"
# (https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app):
# the JWT is signed with RS256 and claims iat ("To protect against clock drift, we recommend that you
# set this 60 seconds in the past"), exp ("must be no more than 10 minutes into the future") and iss
# (the app's ID). The 10 minutes count from the server's clock, not from iat: the pages' own example
# sets iat 60 s back and exp 600 s ahead. GitHub's answers to a JWT it refuses, all 401, as clients
# quote them: "A JSON web token could not be decoded" (a malformed token, or a signature the iss
# app's key does not verify: octokit/auth-app.js#375), "'Expiration time' claim ('exp') is too far
# in the future" (octokit/auth-app.js#698), "'Expiration time' claim ('exp') must be a numeric value
# representing the future time at which the assertion expires" (sigmavirus24/github3.py#1050),
# "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
# and "'Issuer' claim ('iss') must be an Integer" (actions/create-github-app-token#386); an iss that
# names no app: "Integration not found" (octokit/authentication-strategies.js#165; its 404 inferred).
JWT_MAX_LIFETIME: Final = 600.0  # seconds past the server's now that exp may reach
JWT_UNDECODABLE: Final = "A JSON web token could not be decoded"
JWT_EXP_TOO_FAR: Final = "'Expiration time' claim ('exp') is too far in the future"
JWT_EXPIRED: Final = (
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which "
    "the assertion expires"
)
JWT_BAD_IAT: Final = (
    "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
)
JWT_BAD_ISS: Final = "'Issuer' claim ('iss') must be an Integer"
# "Get an organization installation for the authenticated app" (GET /orgs/{org}/installation), "Get
# an installation for the authenticated app" (GET /app/installations/{installation_id}, the same
# "installation" object, whose "account" names the account it is installed on) and "Create an
# installation access token for an app" (POST /app/installations/{installation_id}/access_tokens),
# https://docs.github.com/rest/apps/apps: all "must use a JWT". A JWT is judged on the server's
# clock (iat not in its future, exp at most 10 minutes ahead): a client whose clock is ahead of
# GitHub's is refused with JWT_BAD_IAT, the answer octokit/auth-app.js's request hook retries after
# reading GitHub's time off the Date header (Emulator(clock_offset=...) plays such a GitHub).
# Installation tokens "expire one hour from the time you create them. Using an expired token
# produces a status code of 401 - Unauthorized"; the answer is 201 {"token": "ghs_...",
# "expires_at": "2016-07-11T22:14:10Z", "permissions": {...}, "repository_selection": ...}; a
# body's "permissions" may only narrow the installation's, else 422 "The permissions requested are
# not granted to this installation."
INSTALLATION_TOKEN_TTL: Final = 3600.0
APPS_DOCS_URL: Final = "https://docs.github.com/rest/apps/apps"
USER_ORGS_DOCS_URL: Final = (
    "https://docs.github.com/rest/orgs/orgs#list-organizations-for-the-authenticated-user"
)
PERMISSION: Final = "organization_private_registries"  # the fine-grained permission the six endpoints name
# The pages: list, get and the public key need "Organization private registries" (read); create,
# update and delete (write). An installation without it is refused with 403 "Resource not
# accessible by integration", GitHub's answer to an app lacking a permission, with the permission
# it needed in X-Accepted-GitHub-Permissions. The same 403 answers an installation token used on
# another organization: an organization is public, so GitHub has nothing to hide with a 404 (which
# it keeps for what the caller may not know exists), and says the integration cannot reach it, as
# users of an app installed in several orgs report (3rd-party-integrations/github-team-sync#68).
# Inferred: the app's JWT itself, good only for the app endpoints, gets the same 403 there.
NOT_ACCESSIBLE: Final = "Resource not accessible by integration"
LEVELS: Final[Mapping[str | None, int]] = {None: 0, "none": 0, "read": 1, "write": 2}
DEFAULT_APP_PERMISSIONS: Final[Mapping[str, str]] = {PERMISSION: "write"}
