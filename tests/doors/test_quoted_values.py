"""What a message may quote of a declaration, through both doors.

A registry URL can carry a deploy token in its path or query, and a program may mark any input
secret. So a message quotes a URL only as ``scheme://host`` (enough to see a scheme typo), in every
door; and through the plugin, which sees the program's secret markers, a value that arrived secret
is never quoted at all: the message says "the value (secret)" instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from doors import Plugins, camel
from engine import Secret
from hosted import ProviderError
from provider_host import ProviderHost
from pulumi_github_private_registry.emulator import Emulator
from pulumi_github_private_registry.provider import OrgPrivateRegistryProvider
from samples import DECLARATIONS, TOKEN, declaration

TOKEN_IN_PATH = "deploy-7f3a9c1e5b"
TYPO_URL = f"htps://npm.example.com/{TOKEN_IN_PATH}/?auth={TOKEN_IN_PATH}"


@pytest.fixture(scope="module")
def plugins(github: Emulator) -> Iterator[Plugins]:
    started = Plugins(github)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def dynamic(github: Emulator) -> Iterator[ProviderHost]:
    with ProviderHost(OrgPrivateRegistryProvider()) as host:
        host.configure(
            {"github:token": TOKEN, "github:baseUrl": github.base_url, "github:writeDelayMs": "0"},
            secret_keys={"github:token"},
        )
        yield host


@pytest.mark.slow
def test_the_dynamic_door_quotes_a_mistyped_url_as_scheme_and_host_only(dynamic: ProviderHost) -> None:
    outcome = dynamic.check(declaration("token", "acme", url=TYPO_URL))

    assert outcome.failures == [
        ("url", "'url' must be an absolute http(s) URL, got 'htps://npm.example.com'")
    ]


@pytest.mark.slow
def test_a_url_without_a_scheme_is_quoted_up_to_its_path_even_with_a_url_in_its_query(
    dynamic: ProviderHost,
) -> None:
    url = f"npm.example.com/{TOKEN_IN_PATH}/?next=https://x"

    outcome = dynamic.check(declaration("token", "acme", url=url))

    assert outcome.failures == [("url", "'url' must be an absolute http(s) URL, got 'npm.example.com'")]


def test_the_plugin_quotes_a_mistyped_url_that_is_not_secret_as_scheme_and_host_only(
    plugins: Plugins,
) -> None:
    outcome = plugins.start().check(camel(declaration("token", "acme", url=TYPO_URL)))

    assert outcome.failures == [
        ("url", "'url' must be an absolute http(s) URL, got 'htps://npm.example.com'")
    ]


def test_the_plugin_never_quotes_a_url_that_arrived_secret(plugins: Plugins) -> None:
    news = camel(declaration("token", "acme"))
    news["url"] = Secret(TYPO_URL)

    outcome = plugins.start().check(news)

    assert outcome.failures == [("url", "'url' must be an absolute http(s) URL, got the value (secret)")]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (
            "registryType",
            "npm_registri",
            "'registryType' is the value (secret), which is not one of: maven_repository,",
        ),
        ("visibility", "everyone", "'visibility' is the value (secret), which is not one of: all, private,"),
        ("authType", "oidc_gcpp", "'authType' is the value (secret), which is not one of: token,"),
    ],
)
def test_the_plugin_never_quotes_an_enum_value_that_arrived_secret(
    plugins: Plugins, field: str, value: str, reason: str
) -> None:
    news = camel(declaration("token", "acme"))
    news[field] = Secret(value)

    outcome = plugins.start().check(news)

    assert [f for f, _ in outcome.failures] == [field]
    assert outcome.failures[0][1].startswith(reason) and value not in outcome.failures[0][1]


def test_the_plugin_names_an_auth_type_that_arrived_secret_without_quoting_it(plugins: Plugins) -> None:
    news = camel(declaration("token", "acme"))
    del news["value"]
    news["authType"] = Secret("token")

    outcome = plugins.start().check(news)

    assert outcome.failures == [
        (
            "value",
            "a secret is required when authType is the value (secret): set 'value' "
            "(or 'valueEncrypted' with 'keyId')",
        )
    ]


def test_a_not_secret_enum_value_is_quoted_bounded_and_printable(plugins: Plugins) -> None:
    news = camel(declaration("token", "acme", registry_type="npm\x1b[2J\u202e" + "x" * 5000))

    failures = plugins.start().check(news).failures

    (reason,) = [r for f, r in failures if r.startswith("'registryType' is ")]
    assert reason.startswith("'registryType' is 'npm?[2J?" + "x" * 92 + "'..., which is not one of: ")
    assert len(reason) < 500


def test_two_resources_for_one_registry_are_told_apart_without_a_secret_url(
    plugins: Plugins, github: Emulator
) -> None:
    host = plugins.start()
    first = camel(declaration("token", "told-apart", url="https://npm.example.com/first-tok/"))
    first["url"] = Secret(first["url"])
    host.create(host.check(first).inputs)
    second = camel(declaration("token", "told-apart", adopt=True, url="https://npm.example.com/second-tok/"))
    second["url"] = Secret(second["url"])

    with pytest.raises(ProviderError) as failure:
        host.create(host.check(second).inputs)

    details = failure.value.details
    assert (
        "two OrgPrivateRegistry resources of this deployment declare it: one with url the value " in details
    )
    assert "and this one with url the value (secret)" in details
    assert "tok" not in details.replace("token", "") and "npm.example.com" not in details


@pytest.mark.slow
def test_two_resources_for_one_registry_show_only_their_urls_hosts_in_the_dynamic_door(
    dynamic: ProviderHost,
) -> None:
    first = declaration("token", "hosts-only", url="https://one.example.com/first-tok/")
    dynamic.create(dynamic.check(first).inputs)
    second = declaration("token", "hosts-only", adopt=True, url="https://two.example.com/second-tok/")

    with pytest.raises(ProviderError) as failure:
        dynamic.create(dynamic.check(second).inputs)

    details = failure.value.details
    assert (
        "one with url 'https://one.example.com', and this one with url 'https://two.example.com'" in details
    )
    assert "-tok" not in details


# GitHub's refusals may quote what was sent (GHES: `For 'properties/url', "…" is not a uri.`).
REFUSALS = [
    {
        "message": "Invalid request.\n\nFor 'properties/url', \"{url}\" is not a uri.",
        "documentation_url": "x",
    },
    {"message": "Validation Failed", "errors": ["url {url} is not reachable"]},
    # Quoted tidied (no trailing slash, the host in capitals), JSON-escaped, or cut short.
    {"message": "Validation Failed", "errors": ["url {tidied} is not reachable"]},
    {"message": "Validation Failed", "errors": ["url {escaped} is not reachable"]},
    # GitHub's message is kept to 300 characters: this one is cut in the url's path.
    {"message": "Invalid request: " + "x" * 247 + " {url} is not reachable."},
]
REFUSAL_IDS = ["ghes-shape", "errors-as-strings", "tidied", "json-escaped", "cut-short"]


@pytest.mark.slow
@pytest.mark.parametrize("refusal", REFUSALS, ids=REFUSAL_IDS)
def test_a_refusal_that_quotes_the_url_shows_only_its_host(
    dynamic: ProviderHost, github: Emulator, refusal: dict[str, object]
) -> None:
    url = f"https://npm.example.com/{TOKEN_IN_PATH}/"
    github.inject(method="POST", path="/orgs/echo-dynamic/", status=422, body=_with_url(refusal, url))

    with pytest.raises(ProviderError) as failure:
        dynamic.create(dynamic.check(declaration("token", "echo-dynamic", url=url)).inputs)

    # Nothing of the path, not even its first letters where GitHub's text was cut short.
    assert (
        TOKEN_IN_PATH not in failure.value.details and "npm.example.com/" not in failure.value.details.lower()
    )
    assert "https://npm.example.com" in failure.value.details.strip().splitlines()[-1]


@pytest.mark.parametrize("refusal", REFUSALS, ids=REFUSAL_IDS)
def test_a_refusal_that_quotes_a_url_that_arrived_secret_shows_none_of_it(
    plugins: Plugins, github: Emulator, refusal: dict[str, object]
) -> None:
    host = plugins.start()
    url = f"https://npm.example.com/{TOKEN_IN_PATH}/"
    github.inject(method="POST", path="/orgs/echo-plugin/", status=422, body=_with_url(refusal, url))
    news = camel(declaration("token", "echo-plugin", url=url))
    news["url"] = Secret(url)

    with pytest.raises(ProviderError) as failure:
        host.create(host.check(news).inputs)

    assert TOKEN_IN_PATH not in failure.value.details and "npm.example.com" not in failure.value.details
    assert "the value (secret)" in failure.value.details


def _with_url(refusal: dict[str, object], url: str) -> dict[str, object]:
    def fill(text: object) -> str:
        tidied = url.rstrip("/").replace("npm.example.com", "NPM.EXAMPLE.COM")
        return str(text).format(url=url, tidied=tidied, escaped=url.replace("/", "\\/"))

    errors = refusal.get("errors")
    body = {**refusal, "message": fill(refusal["message"])}
    if isinstance(errors, list):
        body["errors"] = [fill(e) for e in errors]
    return body


def test_a_refusal_that_quotes_a_short_secret_says_the_value_secret_and_our_words_stay(
    plugins: Plugins, github: Emulator
) -> None:
    # A secret username of five letters, quoted by GitHub; a secret visibility `private`, which is
    # also a word of our own message ("the private registry configuration") and must stay there.
    host = plugins.start()
    github.inject(
        method="POST",
        path="/orgs/short-secret/",
        status=422,
        body={"message": "username bot42 is not allowed"},
    )
    news = camel(declaration("username_password", "short-secret", username="bot42", visibility="private"))
    news["username"], news["visibility"] = Secret("bot42"), Secret("private")

    with pytest.raises(ProviderError) as refused:
        host.create(host.check(news).inputs)
    github.put_registry("short-secret", **DECLARATIONS["username_password"])
    with pytest.raises(ProviderError) as exists:
        host.create(host.check(news).inputs)

    assert "GitHub refused it: username the value (secret) is not allowed" in refused.value.details
    assert "bot42" not in refused.value.details
    assert "already has the private registry configuration MAVEN_REPOSITORY_SECRET" in exists.value.details
