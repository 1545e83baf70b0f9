"""The site checker finds broken links, online resources and images without alt text."""

from __future__ import annotations

from pathlib import Path

from tlwidgets.classroom.site_links import find_site_problems

GOOD_PAGE = """<!DOCTYPE html><html><head><style>body { background: url(data:image/png;base64,AA); }
</style></head><body><h2 id="part-1">Part 1</h2>
<h3 id="00-%C2%B7-start">00 · Start</h3><h3 id="b·c">b·c</h3>
<a href="#part-1">here</a> <a href="#00-%C2%B7-start">start</a> <a href="#b%C2%B7c">b</a>
<a href="other.html#top">other</a> <a href="https://arxiv.org/">paper</a>
<img src="data:image/png;base64,AA" alt="A curve."></body></html>"""


def _site(tmp_path: Path, page: str) -> Path:
    (tmp_path / "index.html").write_text(page)
    (tmp_path / "other.html").write_text('<html><body><div id="top"></div></body></html>')
    return tmp_path


def test_a_sound_site_has_no_problems(tmp_path: Path) -> None:
    assert find_site_problems(_site(tmp_path, GOOD_PAGE)) == []


def test_broken_links_and_anchors_are_reported(tmp_path: Path) -> None:
    page = '<a href="missing.html">x</a> <a href="other.html#nowhere">y</a> <a href="#gone">z</a>'

    problems = find_site_problems(_site(tmp_path, page))

    assert len(problems) == 3
    assert all(problem.startswith("index.html: link to") for problem in problems)


def test_online_resources_are_reported(tmp_path: Path) -> None:
    page = """<script src="https://cdn.example.org/require.js"></script>
    <link rel="stylesheet" href="//fonts.example.org/a.css">
    <style>@import "https://fonts.example.org/b.css";</style>"""

    problems = find_site_problems(_site(tmp_path, page))

    assert len(problems) == 3
    assert all("from outside the site" in problem for problem in problems)


def test_images_need_a_non_empty_alt(tmp_path: Path) -> None:
    page = '<img src="data:image/png;base64,AA"><img src="data:image/png;base64,AA" alt=" ">'

    assert find_site_problems(_site(tmp_path, page)) == ["index.html: 2 <img> without alt text"]
