from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from knowledge import cli
from tests.fakes.stores import HELPCENTRE


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "help"
    folder.mkdir()
    for name in ("reset-your-password.md", "refund-policy.md"):
        shutil.copy(HELPCENTRE / name, folder / name)
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HELPCENTRE_DIR", str(folder))
    return folder


def test_sync_twice_then_search_list_and_stats(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sync", "--quiet"]) == 0
    assert "2 added" in capsys.readouterr().out
    assert cli.main(["sync"]) == 0
    assert "0 added, 0 updated, 0 removed, 2 unchanged; 0 chunks embedded" in capsys.readouterr().out
    assert cli.main(["search", "refund for my yearly plan", "-k", "2"]) == 0
    ranked = capsys.readouterr().out.splitlines()
    assert ranked[0].startswith("1. 0.") and "Refund" in ranked[0]
    assert cli.main(["list"]) == 0
    assert capsys.readouterr().out.count(".md") == 2
    assert cli.main(["stats"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 2
    assert cli.main(["remove", "refund-policy.md"]) == 0
    out = capsys.readouterr().out
    assert "removed refund-policy.md" in out and "returns on the next sync" in out
    assert cli.main(["remove", "refund-policy.md"]) == 2


def test_removed_files_leave_the_index(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["sync"])
    (env / "refund-policy.md").unlink()
    capsys.readouterr()
    cli.main(["sync"])
    assert "1 removed" in capsys.readouterr().out


def test_errors_are_one_line_and_exit_2(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sync", str(env / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: help-centre folder not found") and err.count("\n") == 1


def test_bad_arguments_are_refused_by_argparse(env: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["search", "x", "-k", "0"])
    assert exited.value.code == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "x" * (cli.MAX_QUESTION_CHARS + 1)],
        ["remove", "d" * (cli.MAX_URL_CHARS + 1)],
        ["sync", "--url", "https://h.example/" + "p" * cli.MAX_URL_CHARS],
    ],
)
def test_oversized_arguments_are_refused_before_any_work(
    env: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2 and "at most" in capsys.readouterr().err


def test_an_unreadable_file_is_named_skipped_and_the_rest_synced(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "broken.md").write_bytes(b"---\ntitle: [unclosed\n---\nbody")
    assert cli.main(["sync", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "skipped: broken.md: front matter is not valid YAML" in captured.err
    assert "2 added" in captured.out


def test_a_folder_sync_leaves_crawled_pages_alone(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from knowledge.documents import Article
    from knowledge.factory import build_store
    from knowledge.settings import KnowledgeSettings

    store = build_store(KnowledgeSettings.from_env(__import__("os").environ, cli.ROOT))
    page = Article("https://help.example.com/a", "A page", "https://help.example.com/a", "Crawled text.")
    store.sync([page], scope=lambda d: d.startswith("https://help.example.com/"))
    assert cli.main(["sync", "--quiet"]) == 0
    assert (
        "https://help.example.com/a"
        in build_store(KnowledgeSettings.from_env(__import__("os").environ, cli.ROOT)).indexed()
    )


def test_sync_a_website_from_its_start_page(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import functools
    import http.server
    import threading

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<html><head><title>Help</title></head><body><h1>Help</h1>"
        '<p>Start here.</p><a href="/refunds.html">Refunds</a></body></html>'
    )
    (site / "refunds.html").write_text(
        "<html><body><h1>Refunds</h1><h2>Yearly plans</h2><p>Refunds within 14 days.</p></body></html>"
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        assert cli.main(["sync", "--url", url, "--quiet"]) == 0
        assert "2 added" in capsys.readouterr().out
        assert cli.main(["list"]) == 0
        listed = capsys.readouterr().out
        assert "/refunds.html" in listed
        assert cli.main(["sync", "--quiet"]) == 0  # the folder sync leaves the site's pages alone
        capsys.readouterr()
        cli.main(["list"])
        assert "/refunds.html" in capsys.readouterr().out
    finally:
        server.shutdown()
