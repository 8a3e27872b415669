"""The documentation holds together: the README is a short guide that links every page, every relative
link and ``#anchor`` resolves, the configuration table is the settings table's, and the plugin's page
names every property the plugin takes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Final

import pytest

from pulumi_github_private_registry.plugin.package import RESOURCE, SCHEMA_PATH
from pulumi_github_private_registry.tools import configdoc

REPO: Final = Path(__file__).resolve().parents[2]
README: Final = REPO / "README.md"
DOCS: Final = REPO / "docs"
PAGES: Final = (README, REPO / "CONTRIBUTING.md", *sorted(DOCS.glob("*.md")))
README_LINES: Final = 200

_FENCE: Final = re.compile(r"^( *)```.*?^\1```[^\n]*$", re.M | re.S)
_CODE_SPAN: Final = re.compile(r"`[^`\n]*`")
_LINK: Final = re.compile(r"\]\(([^()\s]+)\)")


def _prose(text: str) -> str:
    """``text`` without its code blocks and code spans: what GitHub renders as links and headings."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (``-``, ``_`` kept), spaces to ``-``."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor of ``path``'s headings, a repeated one numbered as GitHub numbers it (``-1``, ...)."""
    found: set[str] = set()
    counts: dict[str, int] = {}
    without_code = _FENCE.sub("", path.read_text(encoding="utf-8"))
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", without_code, re.M):
        slug = _slug(heading)
        n = counts.get(slug, 0)
        counts[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def _links(path: Path) -> list[str]:
    return _LINK.findall(_prose(path.read_text(encoding="utf-8")))


def _section(path: Path, heading: str) -> str:
    text = path.read_text(encoding="utf-8")
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


# --- the README is a guide --------------------------------------------------------------------------


def test_the_readme_is_a_short_guide_that_links_every_page_of_the_docs() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    linked = {(README.parent / target.split("#", 1)[0]).resolve() for target in _links(README)}
    pages = {p.resolve() for p in (*DOCS.glob("*.md"), REPO / "CONTRIBUTING.md")}

    assert len(lines) <= README_LINES, f"README.md has {len(lines)} lines: move detail to docs/"
    assert pages, "docs/ holds the pages"
    assert sorted(str(p.relative_to(REPO)) for p in pages - linked) == []


# --- links and anchors ------------------------------------------------------------------------------


def test_the_anchor_of_a_heading_is_githubs() -> None:
    assert _slug("Secrets rotated outside Pulumi: `ignore_value_drift`") == (
        "secrets-rotated-outside-pulumi-ignore_value_drift"
    )
    assert _slug("GitHub Enterprise Server and GHE.com") == "github-enterprise-server-and-ghecom"
    assert _slug("Changing `auth_type`, the type or the org") == "changing-auth_type-the-type-or-the-org"
    assert _slug("How 0.1.0's states are kept working") == "how-010s-states-are-kept-working"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in _links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...: not ours to check
            continue
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
            broken.append(f"{target}: no heading with the anchor #{anchor} in {linked.name}")
    assert broken == []


def test_pulumi_yaml_points_at_a_section_that_exists() -> None:
    comment = (REPO / "Pulumi.yaml").read_text(encoding="utf-8")
    [(page, heading)] = re.findall(r"see ([\w/.-]+\.md), \"([^\"]+)\"", comment)
    assert _slug(heading) in anchors(REPO / page)


# --- generated and complete -------------------------------------------------------------------------


def test_the_configuration_table_is_the_settings_tables() -> None:
    page = REPO / configdoc.PAGE
    assert configdoc.updated(page.read_text(encoding="utf-8")) == page.read_text(encoding="utf-8"), (
        f"the configuration table of {configdoc.PAGE} is stale: regenerate it with "
        f"`.venv/bin/{configdoc.COMMAND}` from the checkout's folder"
    )


def test_the_table_generator_says_when_a_page_is_stale_and_writes_it_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "configuration.md"
    current = (REPO / configdoc.PAGE).read_text(encoding="utf-8")
    page.write_text(current.replace("| `GITHUB_TOKEN` |", "| `GH_TOKEN` |"), encoding="utf-8")

    assert configdoc.main(["--page", str(page), "--check"]) == 1
    assert capsys.readouterr().err == (
        f"{page}: the configuration table is stale: run `{configdoc.COMMAND}`\n"
    )
    assert configdoc.main(["--page", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == current
    assert configdoc.main(["--page", str(page), "--check"]) == 0


def test_the_configuration_table_names_every_key_of_both_doors() -> None:
    from pulumi_github_private_registry.audiences.keys import DYNAMIC_KEYS, PLUGIN_KEYS

    table = _section(REPO / configdoc.PAGE, "## Configuration keys")
    for setting in (*DYNAMIC_KEYS.all, *PLUGIN_KEYS.all):
        assert f"`{setting.key}`" in table, setting.key
        assert f"`{setting.env}`" in table, setting.env


def test_the_plugin_page_lists_every_input_property_of_the_schema() -> None:
    resource = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["resources"][RESOURCE]
    listed = _section(DOCS / "plugin.md", "## Pulumi YAML").split("The properties are those", 1)[1]
    listed = " ".join(listed.split("\n\n", 1)[0].split())

    missing = [name for name in resource["inputProperties"] if f"`{name}`" not in listed]
    assert missing == []
    for name, spec in resource["inputProperties"].items():
        if "default" in spec:
            default = spec["default"] if isinstance(spec["default"], str) else json.dumps(spec["default"])
            assert f"`{name}` (default `{default}`" in listed, name
