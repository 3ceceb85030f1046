"""Docker's and `az acr build`'s .dockerignore rules as reproduced in tests/deploy/dockerignore.py,
and what the project's build context (so the image) contains."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.dockerignore import (PatternMatcher, acr_context_files, context_files,
                                        read_patterns)
from tests.deploy.iac import PROJECT_ROOT


def _excluded(ignore_text: str, path: str) -> bool:
    return PatternMatcher(read_patterns(ignore_text)).excluded(path)


@pytest.mark.parametrize("ignore, path, excluded", [
    ("*.md", "README.md", True),
    ("*.md", "docs/guide.md", False),  # anchored at the root, unlike .gitignore
    ("**/*.md", "docs/deep/guide.md", True),
    ("**/*.md", "guide.md", True),
    ("docs", "docs/deep/guide.md", True),  # a matched parent directory takes its files
    ("/docs", "docs/guide.md", True),  # leading slash dropped
    ("docs/", "docs/guide.md", True),  # cleaned like filepath.Clean
    ("./docs//x/../guide.md", "docs/guide.md", True),
    ("temp?", "temp1", True),
    ("temp?", "temp12", False),
    ("*/temp*", "somedir/temporary.txt", True),
    ("*/temp*", "a/b/temporary.txt", False),  # * never crosses /
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("tests/**", "tests/a/b.py", True),
    ("file.py[cod]", "file.pyc", True),
    ("file.py[cod]", "file.py", False),
    ("a+b(c).txt", "a+b(c).txt", True),  # regex specials are literal
    ("*.md\n!README.md", "README.md", False),
    ("*.md\n!README.md", "CHANGES.md", True),
    ("!README.md\n*.md", "README.md", True),  # the last matching line wins
    ("*\n!src\nsrc/**/__pycache__", "src/pkg/__pycache__/m.pyc", True),
    ("*\n!src\nsrc/**/__pycache__", "src/pkg/m.py", False),
    ("# comment\n", "# comment", False),  # a comment, not a pattern
    ("  # not a comment", "# not a comment", True),  # only a leading # starts a comment
    ("\ufeff*.md", "README.md", True),  # a UTF-8 BOM is dropped
])
def test_pattern_semantics(ignore: str, path: str, excluded: bool) -> None:
    assert _excluded(ignore, path) is excluded


def test_a_lone_exception_mark_is_refused() -> None:
    with pytest.raises(ValueError):
        PatternMatcher(["!"])


def _tree(root: Path, ignore: str) -> Path:
    for name in ("keep/a.txt", "node_modules/keep.js", "node_modules/pkg/keep.js", "vendor/x.js",
                 "vendor/y.js", "docs/a.md", "docs/deep/b.md", ".git/HEAD"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")
    (root / ".dockerignore").write_text(ignore)
    return root


@pytest.mark.parametrize("ignore, sent", [
    # Plain exceptions: excluded folders are skipped unless an exception lies under them.
    ("node_modules\nvendor\n!vendor/x.js\n", [".dockerignore", "docs/a.md", "docs/deep/b.md",
                                               ".git/HEAD", "keep/a.txt", "vendor/x.js"]),
    # A wildcard exception makes BuildKit walk everything, and it reaches into excluded folders.
    ("node_modules\n!**/keep.js\n.git\n", [".dockerignore", "docs/a.md", "docs/deep/b.md",
                                            "keep/a.txt", "node_modules/keep.js",
                                            "node_modules/pkg/keep.js", "vendor/x.js", "vendor/y.js"]),
    ("*\n!docs\ndocs/deep\n", ["docs/a.md"]),
])
def test_build_context_walk(tmp_path: Path, ignore: str, sent: list[str]) -> None:
    assert context_files(_tree(tmp_path, ignore)) == sorted(sent)


@pytest.mark.parametrize("ignore, sent", [
    ("*\n!docs\ndocs/deep\n", ["docs/a.md"]),
    ("*.md\n", [".dockerignore", "docs/a.md", "docs/deep/b.md", "keep/a.txt", "node_modules/keep.js",
                "node_modules/pkg/keep.js", "vendor/x.js", "vendor/y.js"]),  # .git always out
    ("node_modules\n!node_modules/pkg\n", [".dockerignore", "docs/a.md", "docs/deep/b.md",
                                            "keep/a.txt", "node_modules/pkg/keep.js",
                                            "vendor/x.js", "vendor/y.js"]),
])
def test_az_acr_build_packing(tmp_path: Path, ignore: str, sent: list[str]) -> None:
    assert acr_context_files(_tree(tmp_path, ignore)) == sorted(sent)


@pytest.fixture(scope="module")
def image_files() -> list[str]:
    return context_files(PROJECT_ROOT)


def test_docker_and_az_acr_build_send_the_same_files(image_files: list[str]) -> None:
    assert acr_context_files(PROJECT_ROOT) == image_files


def test_image_holds_the_app(image_files: list[str]) -> None:
    function_folders = {p.parent.name for p in PROJECT_ROOT.glob("*/function.json")}
    assert "HealthFunction" in function_folders
    for folder in function_folders:
        assert f"{folder}/function.json" in image_files and f"{folder}/__init__.py" in image_files
    shared = {p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "shared").rglob("*.py")
              if "__pycache__" not in p.parts}
    assert shared and shared <= set(image_files)
    assert {"host.json", "requirements.txt"} <= set(image_files)


@pytest.mark.parametrize("left_out", [
    "tests/", "devserver/", "tools/", "bench/", "infra/", "scripts/", "docs/", ".git/",
    "node_modules/", ".venv/", ".venv-iac/", ".cache/", ".azurite/", "local.settings.json",
    "local.settings.json.example", "Dockerfile", "README.md", "Makefile",
])
def test_image_leaves_out_development_files(image_files: list[str], left_out: str) -> None:
    assert not [f for f in image_files if f == left_out or f.startswith(left_out)]


def test_image_holds_no_bytecode_or_settings(image_files: list[str]) -> None:
    assert not [f for f in image_files if "__pycache__" in f or f.endswith((".pyc", ".pyo"))
                or f.endswith("local.settings.json")]
