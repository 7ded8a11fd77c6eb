"""Dependencies run one way: comments may use articles, both use core, pages uses core
alone (articles may use pages), dashboard may use all of them and no app uses it, and
core and recovery_site use no app (recovery_site names apps only as dotted strings in
settings and URLconf). wordpress may use every content app and no app but the
dashboard uses it (its panel of featured images waiting for a description)."""

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
# package: the project packages it must never import
FORBIDDEN = {
    "core": {"articles", "comments", "dashboard", "pages", "wordpress"},
    "articles": {"comments", "dashboard", "wordpress"},
    "comments": {"dashboard", "wordpress"},
    "pages": {"articles", "comments", "dashboard", "wordpress"},
    "dashboard": set(),
    "wordpress": {"dashboard"},
    "recovery_site": {"articles", "comments", "core", "dashboard", "pages", "wordpress"},
}


def imported_packages(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_never_imports_the_apps_that_depend_on_it(package):
    offending = {
        f"{path.relative_to(BASE_DIR)} imports {name}"
        for path in (BASE_DIR / package).rglob("*.py")
        for name in imported_packages(path)
        if name in FORBIDDEN[package]
    }
    assert not offending, sorted(offending)
