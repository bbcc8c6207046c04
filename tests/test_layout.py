"""Frappe's test runner imports a test file at the package root as the package itself
and so silently runs none of its tests: keep every site test in a sub-package."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "opportunity_ext"


def test_no_site_test_at_the_package_root():
	assert sorted(p.name for p in PACKAGE.glob("test_*.py")) == []


def test_site_tests_exist_in_sub_packages():
	found = [p for p in PACKAGE.rglob("test_*.py") if p.parent != PACKAGE]
	assert len(found) >= 8
	for path in found:
		assert (path.parent / "__init__.py").exists(), f"{path.parent} is not a package"
