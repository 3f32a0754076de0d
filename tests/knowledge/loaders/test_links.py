from __future__ import annotations

from knowledge.loaders.links import page_links


def test_links_are_absolute_and_come_from_the_whole_page_navigation_included() -> None:
    html = b"""<nav><a href="/billing">Billing</a></nav>
    <p><a href="refunds#how">Refunds</a> <a href="https://other.example/x">elsewhere</a>
    <a href="mailto:help@example.com">mail</a> <a>no href</a> <a href="http://[broken/">bad</a></p>
    <map><area href="/map"></map><script>var a = '<a href="/in-script">';</script>"""
    found = page_links(html, "https://help.example/articles/index")
    assert found.links == [
        "https://help.example/billing",
        "https://help.example/articles/refunds#how",
        "https://other.example/x",
        "mailto:help@example.com",
        "https://help.example/map",
    ]
    assert not found.noindex and not found.nofollow


def test_a_base_element_changes_what_relative_links_mean() -> None:
    html = b'<a href="a">A</a><base href="https://help.example/docs/"><a href="b">B</a>'
    assert page_links(html, "https://help.example/x/y").links == [
        "https://help.example/docs/a",
        "https://help.example/docs/b",
    ]


def test_the_robots_meta_tag_is_read() -> None:
    found = page_links(b'<meta name="Robots" content="NOINDEX, follow">', "https://h.example/")
    assert (found.noindex, found.nofollow) == (True, False)
    found = page_links(b'<meta name="robots" content="none">', "https://h.example/")
    assert (found.noindex, found.nofollow) == (True, True)
