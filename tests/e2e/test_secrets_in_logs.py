"""No secret reaches a log file: a full run at DEBUG level, then grep every log.

Both servers run at LOG_LEVEL=DEBUG (the most talkative setting an operator
would use while chasing a problem) with distinctive secrets: the OpenAI key, the
Slack bot token and signing secret, the admin token and a database password in
the tracker store URL (PostgreSQL accepts any password here: trust auth). The
run uses each of them: an LLM answer, a handoff to Slack with an agent reply,
admin API calls with the right and a wrong token, a forged Slack request.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.serve import Stack
from tests.channels.slack import payloads
from tests.e2e.stack import ChatClient, make_stack
from tests.e2e.test_handoff import parent_ts
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.postgres import throwaway_database
from tests.fakes.slack_server import FakeSlack
from tests.fakes.slack_signing import signed_headers

pytestmark = pytest.mark.e2e
SUPPORT = "C0SUPPORT"
AGENT = "U0SAM"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SECRETS = {
    "OPENAI_API_KEY": f"sk-logcheck-{secrets.token_hex(12)}",
    "SLACK_BOT_TOKEN": f"xoxb-logcheck-{secrets.token_hex(12)}",
    "SLACK_SIGNING_SECRET": f"signing-{secrets.token_hex(12)}",
    "ADMIN_TOKEN": f"admin-{secrets.token_hex(12)}",
    "database password": f"dbpw{secrets.token_hex(8)}",
}
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def tracker_url() -> Iterator[str]:
    """A throwaway PostgreSQL database reached with a password in its URL."""
    with throwaway_database("supportbot_logs", password=SECRETS["database password"]) as url:
        yield url


@pytest.fixture(scope="module")
def run(tracker_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, FakeSlack]]:
    data = tmp_path_factory.mktemp("secrets")
    weekly = "\n".join(f'    {day}: ["00:00-24:00"]' for day in DAYS)
    rules = data / "open.yml"
    rules.write_text(f"hours:\n  timezone: Europe/Berlin\n  weekly:\n{weekly}\n")
    with FakeSlack(users={AGENT: {"real_name": "Sam Agent"}}) as slack, FakeOpenAI() as llm:
        stack = make_stack(
            data,
            LOG_LEVEL="DEBUG",
            SUPPORT_RULES=str(rules),
            TRACKER_STORE_URL=tracker_url,
            OPENAI_API_KEY=SECRETS["OPENAI_API_KEY"],
            OPENAI_BASE_URL=llm.base_url,
            SLACK_BOT_TOKEN=SECRETS["SLACK_BOT_TOKEN"],
            SLACK_SIGNING_SECRET=SECRETS["SLACK_SIGNING_SECRET"],
            SLACK_SUPPORT_CHANNEL=SUPPORT,
            SLACK_API_URL=slack.base_url,
            ADMIN_TOKEN=SECRETS["ADMIN_TOKEN"],
        )
        stack.start()
        try:
            yield stack, slack
        finally:
            stack.stop()


def test_no_secret_appears_in_any_log(run: tuple[Stack, FakeSlack]) -> None:
    stack, slack = run
    asyncio.run(_conversation_with_handoff(stack, slack))
    _admin_calls(stack)
    _forged_slack_request(stack)
    time.sleep(1)  # let both servers flush their logs
    logs = sorted((Path(stack.env["SUPPORTBOT_DATA_DIR"]) / "logs").glob("*.log"))
    assert logs, "the servers wrote no logs"
    text = "\n".join(path.read_text(errors="replace") for path in logs)
    quiet = [p.name for p in logs if "DEBUG" not in p.read_text(errors="replace")]
    assert not quiet, f"not at DEBUG level, so the check proves little: {quiet}"
    leaked = {
        name: [p.name for p in logs if value in p.read_text(errors="replace")]
        for name, value in SECRETS.items()
        if value in text
    }
    assert not leaked, f"secrets found in logs: {leaked}"


async def _conversation_with_handoff(stack: Stack, slack: FakeSlack) -> None:
    chat = ChatClient(stack.websocket_url)
    await chat.connect()
    [answer] = await chat.say("how do I reset my password?")
    assert answer["citations"], answer  # answered through the LLM, so the key was used
    await chat.say("Talk to a person", payload="/human")
    parent = slack.wait_for(lambda call: call.method == "chat.postMessage" and "blocks" in call.args)
    thread_ts = parent_ts(slack, parent)
    cid = str(chat.conversation_id)
    _post_signed(stack, _click("handoff_claim", cid, thread_ts))
    reply = payloads.thread_reply(
        "Sam here, happy to help", user=AGENT, thread_ts=thread_ts, ts=f"{time.time():.6f}", channel=SUPPORT
    )
    _post_signed(
        stack, (payloads.as_json(payloads.event_callback(reply, event_id="EvLogs1")), "application/json")
    )
    while (frame := await chat.next(30))["type"] != "bot" or frame.get("sender", {}).get("kind") != "agent":
        pass
    await chat.close()


def _click(action: str, cid: str, thread_ts: str) -> tuple[bytes, str]:
    payload = payloads.block_actions(
        action_id=action, value=cid, user=AGENT, trigger_id=f"{time.time_ns()}.t"
    )
    payload["container"] |= {"message_ts": thread_ts, "channel_id": SUPPORT}
    payload["channel"]["id"] = SUPPORT
    payload["message"]["ts"] = thread_ts
    return payloads.as_interactive_form(payload), "application/x-www-form-urlencoded"


def _post_signed(stack: Stack, body_and_type: tuple[bytes, str]) -> None:
    body, content_type = body_and_type
    headers = {"Content-Type": content_type, **signed_headers(SECRETS["SLACK_SIGNING_SECRET"], body)}
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/slack/events"
    with urllib.request.urlopen(urllib.request.Request(url, body, headers, method="POST"), timeout=10) as r:
        assert r.status == 200


def _admin_calls(stack: Stack) -> None:
    url = f"http://127.0.0.1:{stack.env['ACTION_PORT']}/admin/documents"
    good = {"Authorization": f"Bearer {SECRETS['ADMIN_TOKEN']}"}
    with urllib.request.urlopen(urllib.request.Request(url, headers=good), timeout=30) as response:
        assert response.status == 200
    wrong = {"Authorization": f"Bearer {SECRETS['ADMIN_TOKEN']}x"}  # a near miss must not be echoed either
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, headers=wrong), timeout=30)
    assert refused.value.code == 401


def _forged_slack_request(stack: Stack) -> None:
    body = payloads.as_json(payloads.event_callback(payloads.thread_reply("x"), event_id="EvForgedLogs"))
    headers = {"Content-Type": "application/json", **signed_headers("not-the-secret", body)}
    url = f"http://127.0.0.1:{stack.env['RASA_PORT']}/webhooks/slack/events"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, body, headers, method="POST"), timeout=10)
    assert refused.value.code == 401
