"""The docs point at things that exist (issue 10, docs that drifted): every
relative Markdown link in the repository's .md files names a tracked path
(and its #anchor a heading there), every section reference in docs, code and
tests (PROTOCOL.md, "Keys") names a heading of that document, and every module a
folder README's table lists exists in that folder."""

import os
import re
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEXT = (".md", ".py", ".sh", ".h", ".ino", ".cpp", ".toml", ".json", ".service")


def tracked():
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [f for f in out.splitlines() if os.path.exists(os.path.join(REPO, f))]


FILES = tracked()
DOCS = [f for f in FILES if f.endswith(".md")]


def read(path):
    with open(os.path.join(REPO, path), encoding="utf-8", errors="replace") as f:
        return f.read()


def headings(path):
    """Heading texts outside code fences, lower-case, without "2. " numbering."""
    found, fenced = [], False
    for line in read(path).splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            found.append(re.sub(r"^\d+\.\s*", "", line.lstrip("#").strip()).replace("`", "").lower())
    return found


def slug(heading):
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower().replace("`", "")).replace(" ", "-")


def resolve(doc, from_file):
    """The tracked .md file a reference in `from_file` means, or None."""
    for candidate in (os.path.normpath(os.path.join(os.path.dirname(from_file), doc)), os.path.normpath(doc)):
        if candidate in DOCS:
            return candidate
    ends = [d for d in DOCS if d.endswith("/" + doc)]
    return ends[0] if len(ends) == 1 else None


LINK = re.compile(r"\]\(([^)\s]+)\)")


def links():
    for doc in DOCS:
        for match in LINK.finditer(read(doc)):
            target = match.group(1)
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):       # not http:, mailto:, ...
                yield doc, target


@pytest.mark.parametrize("doc, target", sorted(set(links())))
def test_markdown_links_resolve(doc, target):
    path, _, anchor = target.partition("#")
    full = os.path.normpath(os.path.join(os.path.dirname(doc), path)) if path else doc
    assert full in FILES or any(f.startswith(full + "/") for f in FILES), "%s links to %s" % (doc, target)
    if anchor and full.endswith(".md"):
        assert anchor in [slug(h) for h in headings(full)], "%s: no heading for #%s in %s" % (doc, anchor, full)


# PROTOCOL.md, "Keys"  /  (README.md, "What is where")
SECTION = re.compile(r"([\w./-]+\.md),\s+\"([^\"=()\n]+(?:\n[^\"=()\n]+)?)\"")


def section_references():
    for path in FILES:
        if path.endswith(TEXT):
            for match in SECTION.finditer(read(path)):
                section = re.sub(r"\s*\n\s*(//|#)?\s*", " ", match.group(2)).strip()
                yield path, match.group(1), section


@pytest.mark.parametrize("path, doc, section", sorted(set(section_references())))
def test_section_references_name_a_heading(path, doc, section):
    target = resolve(doc, path)
    assert target is not None, "%s names %s, which is not in the repository" % (path, doc)
    wanted = re.sub(r"^\d+\.\s*", "", section).lower()
    assert any(h == wanted or h.startswith(wanted) for h in headings(target)), \
        "%s: %s has no section %r" % (path, target, section)


def module_tables():
    """(README, module) for each `name.py` in the first column of a folder README's table."""
    for doc in DOCS:
        for match in re.finditer(r"^\| `([\w/]+\.py)` \|", read(doc), re.M):
            yield doc, match.group(1)


@pytest.mark.parametrize("doc, module", sorted(set(module_tables())))
def test_module_tables_name_files_that_exist(doc, module):
    folder = os.path.dirname(doc)
    assert any(f.startswith(folder + "/") and f.endswith("/" + module) for f in FILES), \
        "%s lists %s, which is not under %s/" % (doc, module, folder)
