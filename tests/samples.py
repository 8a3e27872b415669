"""Valid declarations, one per auth type, shared by the provider, reliability and benchmark tests."""

from __future__ import annotations

from typing import Any

TOKEN = "test-token"

DECLARATIONS: dict[str, dict[str, Any]] = {
    "token": {
        "registry_type": "npm_registry",
        "url": "https://npm.pkg.github.com/acme",
        "visibility": "all",
        "value": "npm-secret-value",
    },
    "username_password": {
        "registry_type": "maven_repository",
        "url": "https://maven.pkg.github.com/acme/",
        "visibility": "private",
        "auth_type": "username_password",
        "username": "monalisa",
        "value": "maven-secret-value",
        "replaces_base": True,
    },
    "oidc_azure": {
        "registry_type": "docker_registry",
        "url": "https://myregistry.azurecr.io",
        "visibility": "all",
        "auth_type": "oidc_azure",
        "tenant_id": "12345678-1234-1234-1234-123456789012",
        "client_id": "abcdef01-2345-6789-abcd-ef0123456789",
    },
    "oidc_aws": {
        "registry_type": "python_index",
        "url": "https://acme-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/py/simple/",
        "visibility": "selected",
        "selected_repository_ids": [1296269.0, 1296280.0],
        "auth_type": "oidc_aws",
        "aws_region": "us-east-1",
        "account_id": "123456789012",
        "role_name": "dependabot-codeartifact",
        "domain": "acme",
        "domain_owner": "123456789012",
    },
    "oidc_jfrog": {
        "registry_type": "nuget_feed",
        "url": "https://acme.jfrog.io/artifactory/api/nuget/v3/nuget",
        "visibility": "private",
        "auth_type": "oidc_jfrog",
        "jfrog_oidc_provider_name": "github-oidc",
        "audience": "jfrog-github",
    },
    "oidc_cloudsmith": {
        "registry_type": "rubygems_server",
        "url": "https://ruby.cloudsmith.io/acme/gems/",
        "visibility": "all",
        "auth_type": "oidc_cloudsmith",
        "namespace": "acme",
        "service_slug": "dependabot",
        "audience": "https://github.com/acme",
    },
    "oidc_gcp": {
        "registry_type": "helm_registry",
        "url": "https://us-docker.pkg.dev/acme-project/charts",
        "visibility": "all",
        "auth_type": "oidc_gcp",
        "workload_identity_provider": (
            "projects/123456789/locations/global/workloadIdentityPools/github/providers/github"
        ),
        "service_account": "dependabot@acme-project.iam.gserviceaccount.com",
    },
}
"""One valid declaration per auth type, each of a different registry type."""


def declaration(auth_type: str, org: str, **changes: Any) -> dict[str, Any]:
    """The sample declaration for ``auth_type`` in ``org``, with ``changes`` applied."""
    return {"org": org, **DECLARATIONS[auth_type], **changes}
