"""Docker's build-context filtering, reproduced so that tests can see what ``COPY .`` copies.

Semantics follow moby/patternmatcher and BuildKit's context walker (what ``docker build`` and
``az acr build`` use):

* ``.dockerignore`` lines: a line *starting* with ``#`` is a comment (before trimming), blank lines
  are skipped, each pattern is trimmed and cleaned like Go's ``filepath.Clean`` and loses a leading
  ``/``; ``!`` marks an exception that takes paths back in.
* Patterns are anchored at the context root (``*.pyc`` is only the root's). ``*`` and ``?`` never
  cross ``/``; ``**`` matches any number of directories; ``[...]`` and ``\\x`` as in Go.
* A path is excluded when a pattern matches it *or one of its parent directories*; patterns are
  applied in order and the last one that matches decides.
* BuildKit's walker skips an excluded directory only when every exception is a plain path
  (no ``*[]?^\\`` once a trailing ``/**`` or ``/*`` is cut) and none lies under it; that never
  changes which files are sent, it only spares the walk.

``az acr build`` does not use Docker's code: the Azure CLI packs the context itself
(``azure/cli/command_modules/acr/_archive_utils.py``): rules are read with only trailing
whitespace cut, later rules take priority, a path that no rule matches inherits its parent
directory's result, and ``.git``-like names at the top are always left out. ``acr_context_files``
reproduces that packer, so a test can require both to send the same files.
"""
from __future__ import annotations

import os
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

_REGEX_SPECIALS = set(".+()|{}$")  # escaped: no meaning in Go's filepath.Match


def _go_clean(pattern: str) -> str:
    """Go's ``filepath.Clean`` on a slash path (``posixpath.normpath`` keeps a leading ``//``)."""
    cleaned = posixpath.normpath(pattern)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def read_patterns(text: str) -> list[str]:
    """The patterns of a ``.dockerignore`` file, as Docker reads them."""
    patterns: list[str] = []
    for line in text.removeprefix("\ufeff").splitlines():
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = _go_clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append("!" + pattern if invert else pattern)
    return patterns


@dataclass(frozen=True)
class _Pattern:
    text: str
    exception: bool
    regex: re.Pattern[str] | None  # None: exact, prefix ("x/**") or suffix ("**/x") match
    kind: str

    def matches(self, path: str) -> bool:
        if self.kind == "exact":
            return path == self.text
        if self.kind == "prefix":
            return path.startswith(self.text[:-2])
        if self.kind == "suffix":
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        assert self.regex is not None
        return self.regex.match(path) is not None


def _compile(text: str, exception: bool) -> _Pattern:
    """One pattern, compiled as patternmatcher's ``Pattern.compile`` does."""
    regex, kind, i = "^", "exact", 0
    chars = list(text)
    while chars:
        ch = chars.pop(0)
        if ch == "*":
            if chars and chars[0] == "*":
                chars.pop(0)
                if chars and chars[0] == "/":
                    chars.pop(0)
                if not chars:
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        regex, kind = regex + ".*", "regex"
                else:
                    regex, kind = regex + "(.*/)?", "regex"
                if i == 0:
                    kind = "suffix"
            else:
                regex, kind = regex + "[^/]*", "regex"
        elif ch == "?":
            regex, kind = regex + "[^/]", "regex"
        elif ch in _REGEX_SPECIALS:
            regex += "\\" + ch
        elif ch == "\\":
            if chars:
                regex, kind = regex + "\\" + chars.pop(0), "regex"
            else:
                regex += "\\\\"
        elif ch in "[]":
            regex, kind = regex + ch, "regex"
        else:
            regex += ch
        i += 1
    compiled = re.compile(regex + "$") if kind == "regex" else None
    return _Pattern(text, exception, compiled, kind)


class PatternMatcher:
    """Decides, as Docker does, whether a context path is left out."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns: list[_Pattern] = []
        for raw in patterns:
            text = raw.strip()
            if not text:
                continue
            text = _go_clean(text)
            exception = text.startswith("!")
            if exception:
                if len(text) == 1:
                    raise ValueError('illegal exclusion pattern: "!"')
                text = text[1:]
            self.patterns.append(_compile(text, exception))

    def excluded(self, path: str) -> bool:
        """True when ``path`` (slash-separated, relative to the context) is left out."""
        path = _go_clean(path)
        parent = posixpath.dirname(path)
        parent_parts = parent.split("/") if parent else []
        matched = False
        for pattern in self.patterns:
            if pattern.exception != matched:
                continue
            match = pattern.matches(path)
            if not match:
                match = any(pattern.matches("/".join(parent_parts[: i + 1]))
                            for i in range(len(parent_parts)))
            if match:
                matched = not pattern.exception
        return matched

    def walk_into(self, directory: str) -> bool:
        """BuildKit's rule for walking an excluded directory (a pure optimisation, see above)."""
        if any(p.exception and any(c in _without_trailing_glob(p.text) for c in _GLOB_CHARS)
               for p in self.patterns):
            return True
        prefix = directory + "/"
        return any(p.exception and (p.text + "/").startswith(prefix) for p in self.patterns)


_GLOB_CHARS = "*[]?^\\"


def _without_trailing_glob(pattern: str) -> str:
    return pattern.removesuffix("/**").removesuffix("/*")


def context_files(root: Path) -> list[str]:
    """Every file ``docker build root`` would send, as sorted slash paths relative to ``root``."""
    ignore_file = root / ".dockerignore"
    matcher = PatternMatcher(read_patterns(ignore_file.read_text()) if ignore_file.exists() else [])
    files: list[str] = []
    for current, dirnames, filenames in os.walk(root):
        rel_dir = Path(current).relative_to(root).as_posix()
        rel = (lambda name: name) if rel_dir == "." else (lambda name: f"{rel_dir}/{name}")
        dirnames[:] = sorted(d for d in dirnames
                             if not matcher.excluded(rel(d)) or matcher.walk_into(rel(d)))
        files.extend(rel(name) for name in filenames if not matcher.excluded(rel(name)))
    return sorted(files)


_ACR_ALWAYS_LEFT_OUT = {".git", ".gitignore", ".bzr", "bzrignore", ".hg", ".hgignore", ".svn"}


def _acr_rules(text: str) -> list[tuple[re.Pattern[str], bool]]:
    """(regex, leaves out) per rule, highest priority (last line) first, as the Azure CLI reads them."""
    rules: list[tuple[re.Pattern[str], bool]] = []
    for line in text.removeprefix("\ufeff").splitlines():
        rule = line.rstrip()
        if not rule or rule.startswith("#"):
            continue
        leaves_out = not rule.startswith("!")
        if not leaves_out:
            rule = rule[1:].removeprefix("/").rstrip("/")
        tokens = rule.split("/")
        regex = "/".join(".*" if token == "**" else
                         token.replace("*", "[^/]*").replace("?", "[^/]").replace(".", "\\.")
                         for token in tokens)
        rules.insert(0, (re.compile(f"^{regex}$"), leaves_out))
    return rules


def acr_context_files(root: Path) -> list[str]:
    """Every file ``az acr build root`` packs into the context it uploads (see the module doc)."""
    ignore_file = root / ".dockerignore"
    rules = _acr_rules(ignore_file.read_text()) if ignore_file.exists() else None
    files: list[str] = []

    def visit(path: Path, name: str, parent_left_out: bool, parent_rule: int) -> None:
        left_out, rule_index = parent_left_out, parent_rule
        if name in _ACR_ALWAYS_LEFT_OUT:
            left_out = True
        elif rules is not None:
            for index, (regex, leaves_out) in enumerate(rules[:parent_rule]):
                if regex.match(name):
                    left_out, rule_index = leaves_out, index
                    break
        if path.is_dir() and not path.is_symlink():
            for child in sorted(path.iterdir()):
                visit(child, f"{name}/{child.name}" if name else child.name, left_out, rule_index)
        elif not left_out and path.is_file():
            files.append(name)

    visit(root, "", False, len(rules or []))
    return sorted(files)


def copy_context(root: Path, destination: Path) -> list[str]:
    """Copy the filtered build context of ``root`` into ``destination`` (like ``COPY . dest``)."""
    files = context_files(root)
    for name in files:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return files
