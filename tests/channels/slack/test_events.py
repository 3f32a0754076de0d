from __future__ import annotations

import copy as copy_module
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.slack.events import (
    BadPayload,
    BlockAction,
    CustomerMessage,
    SlashCommand,
    ThreadReply,
    ViewSubmission,
    parse,
    plain_text,
)
from tests.channels.slack import payloads as p
from tests.fakes.slack_server import BOT_USER_ID


def event(evt: dict[str, Any], **envelope: Any) -> Any:
    return parse("events_api", p.event_callback(evt, **envelope))


# --- Events API ----------------------------------------------------------------------


def test_a_direct_message_is_a_customer_message() -> None:
    assert event(p.dm("How do I reset my password?"), event_id="Ev42") == CustomerMessage(
        channel=p.DM_CHANNEL,
        channel_type="im",
        user=p.CUSTOMER,
        text="How do I reset my password?",
        ts="1700000100.000200",
        thread_ts=None,
        event_id="Ev42",
        mention=False,
    )


def test_a_reply_in_a_dm_thread_keeps_its_thread() -> None:
    item = event(p.dm("still there?", thread_ts="1700000000.000001"))
    assert isinstance(item, CustomerMessage) and item.thread_ts == "1700000000.000001"


def test_a_mention_in_a_channel_is_a_customer_message_without_the_mention() -> None:
    item = event(p.app_mention(f"<@{BOT_USER_ID}> can I export to PDF?"))
    assert item == CustomerMessage(
        channel="C0GENERAL",
        channel_type="channel",
        user=p.CUSTOMER,
        text="can I export to PDF?",
        ts="1700000300.000400",
        thread_ts=None,
        event_id="Ev0001",
        mention=True,
    )


def test_the_mention_is_stripped_even_without_authorizations() -> None:
    envelope = p.event_callback(p.app_mention("<@U0OTHERBOT|supportbot>   hello there"))
    del envelope["authorizations"]
    item = parse("events_api", envelope)
    assert isinstance(item, CustomerMessage) and item.text == "hello there"


def test_a_bare_mention_is_kept_with_empty_text() -> None:
    item = event(p.app_mention(f"<@{BOT_USER_ID}>"))
    assert isinstance(item, CustomerMessage) and item.mention and item.text == ""


def test_a_reply_in_a_thread_is_a_thread_reply() -> None:
    assert event(p.thread_reply("Hi, I'm Ann. Let me check."), event_id="Ev7") == ThreadReply(
        channel=p.AGENTS_CHANNEL,
        thread_ts=p.PARENT_TS,
        user=p.AGENT,
        text="Hi, I'm Ann. Let me check.",
        ts="1700000200.000300",
        event_id="Ev7",
    )


def test_a_thread_reply_also_sent_to_the_channel_counts() -> None:
    assert isinstance(event(p.thread_reply("done", subtype="thread_broadcast")), ThreadReply)


@pytest.mark.parametrize(
    "evt",
    [
        p.bot_message(),
        p.thread_reply("from our own bot", user=BOT_USER_ID),
        p.thread_reply("from another app", bot_id="B0OTHER"),
        p.thread_reply("an app posting as a user", bot_profile={"id": "B0OTHER"}),
        p.thread_reply("edited", subtype="message_changed"),
        p.thread_reply("", subtype="message_deleted"),
        p.thread_reply("joined", subtype="channel_join"),
        p.thread_reply("/me waves", subtype="me_message"),
        p.thread_reply("hidden", hidden=True),
        p.thread_reply("   "),  # nothing to relay
        p.thread_reply("the parent itself", ts=p.PARENT_TS),
        {**p.thread_reply("top-level chatter"), "thread_ts": None},
        p.dm(f"<@{BOT_USER_ID}>"),  # only the bot's own mention: nothing to answer
        p.dm("a reaction", type="reaction_added"),
        p.app_mention("from a bot", bot_id="B0OTHER"),
    ],
    ids=lambda evt: str(evt.get("subtype") or evt.get("text") or evt.get("type")),
)
def test_what_the_bot_must_not_react_to_is_ignored(evt: dict[str, Any]) -> None:
    assert event(evt) is None


def test_notices_other_than_event_callbacks_are_ignored() -> None:
    assert parse("events_api", {"type": "app_rate_limited", "minute_rate_limited": 1}) is None


@pytest.mark.parametrize(
    ("envelope", "field"),
    [
        ({"type": "event_callback"}, "event"),
        ({"type": "event_callback", "event": "message"}, "event"),
        (p.event_callback({**p.dm("hi"), "user": None}), "event.user"),
        (p.event_callback({**p.dm("hi"), "ts": 1700000100.0002}), "event.ts"),
        (p.event_callback({**p.dm("hi"), "channel": ""}), "event.channel"),
        ({**p.event_callback(p.dm("hi")), "event_id": None}, "event_id"),
    ],
)
def test_broken_events_raise_bad_payload_naming_the_field(envelope: dict[str, Any], field: str) -> None:
    with pytest.raises(BadPayload, match=field.replace(".", r"\.")):
        parse("events_api", envelope)


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("fish &amp; chips &lt;3 &gt;_&lt;", "fish & chips <3 >_<"),
        ("see <https://help.example.com/a|the guide>", "see the guide (https://help.example.com/a)"),
        ("see <https://help.example.com/a>", "see https://help.example.com/a"),
        ("see <https://help.example.com/a|help.example.com/a>", "see https://help.example.com/a"),
        ("mail <mailto:ann@example.com|ann@example.com>", "mail ann@example.com"),
        ("ask <@U0AGENT> or <@U0ANN|ann>", "ask @U0AGENT or @ann"),
        ("in <#C0GENERAL|general> <!here> <!subteam^S1|@support>", "in #general @here @support"),
        ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
        (f"hi <@{BOT_USER_ID}>  there", "hi there"),
        ("&amp;lt; stays literal", "&lt; stays literal"),
    ],
)
def test_slack_markup_becomes_plain_text(slack: str, plain: str) -> None:
    assert plain_text(slack, BOT_USER_ID) == plain


def test_text_keeps_its_line_breaks() -> None:
    assert event(p.dm("line one\nline two")).text == "line one\nline two"


# --- interactivity and slash commands ---------------------------------------------------


def test_a_button_click_is_a_block_action() -> None:
    assert parse("interactive", p.block_actions("handoff_resolve", value="conv-1")) == BlockAction(
        action_id="handoff_resolve",
        value="conv-1",
        user_id=p.AGENT,
        user_name="ann",
        channel=p.AGENTS_CHANNEL,
        message_ts=p.PARENT_TS,
        thread_ts=None,
        response_url="https://hooks.slack.com/actions/T0FAKE/1/abc",
        trigger_id="111.222.abc",  # to open a modal in answer
    )


def test_a_button_on_a_message_with_replies_knows_its_thread() -> None:
    payload = p.block_actions()
    payload["message"]["thread_ts"] = p.PARENT_TS
    item = parse("interactive", payload)
    assert isinstance(item, BlockAction) and item.thread_ts == p.PARENT_TS


def test_a_select_menu_value_comes_from_the_selected_option() -> None:
    payload = p.block_actions()
    del payload["actions"][0]["value"]
    payload["actions"][0]["selected_option"] = {"value": "fr"}
    item = parse("interactive", payload)
    assert isinstance(item, BlockAction) and item.value == "fr"


def test_the_container_stands_in_for_a_missing_channel_and_message_ts() -> None:
    payload = p.block_actions()
    del payload["channel"]
    del payload["message"]["ts"]
    item = parse("interactive", payload)
    assert isinstance(item, BlockAction) and (item.channel, item.message_ts) == (
        p.AGENTS_CHANNEL,
        p.PARENT_TS,
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "view_submission", "view": {}, "user": {"id": "U1"}},  # no callback_id: not the bot's
        {"type": "shortcut", "callback_id": "x"},
        {**p.block_actions(), "message": None},  # an action in a modal
    ],
)
def test_other_interactions_are_ignored(payload: dict[str, Any]) -> None:
    assert parse("interactive", payload) is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**p.block_actions(), "actions": []}, "actions"),
        ({**p.block_actions(), "actions": ["x"]}, "actions"),
        ({**p.block_actions(), "user": None}, "user"),
        ({**p.block_actions(), "user": {"name": "no id"}}, "user.id"),
        ({**p.block_actions(), "actions": [{"value": "v"}]}, "action_id"),
        ({**p.block_actions(), "channel": None, "container": None}, "channel.id"),
        ({"type": "view_submission", "view": None}, "view"),
        ({"type": "view_submission", "view": {"callback_id": "c"}, "user": {}}, "user.id"),
    ],
)
def test_broken_interactions_raise_bad_payload(payload: dict[str, Any], field: str) -> None:
    with pytest.raises(BadPayload, match=field.replace(".", r"\.")):
        parse("interactive", payload)


def test_a_modal_submission_carries_its_inputs_by_block_and_action() -> None:
    payload = {
        "type": "view_submission",
        "user": {"id": p.CUSTOMER},
        "view": {
            "callback_id": "csat_comment",
            "private_metadata": '{"survey_id": "s1"}',
            "state": {
                "values": {
                    "comment": {"comment": {"type": "plain_text_input", "value": "slow"}},
                    "other": {"pick": {"type": "static_select", "selected_option": {"value": "x"}}},
                    "junk": "not an object",
                }
            },
        },
    }
    assert parse("interactive", payload) == ViewSubmission(
        callback_id="csat_comment",
        user_id=p.CUSTOMER,
        private_metadata='{"survey_id": "s1"}',
        values={"comment.comment": "slow", "other.pick": None},
    )


def test_a_slash_command() -> None:
    assert parse("slash_commands", p.slash_command(text="  away  ")) == SlashCommand(
        command="/support",
        text="away",
        user_id=p.AGENT,
        user_name="ann",
        channel_id=p.AGENTS_CHANNEL,
        response_url="https://hooks.slack.com/commands/T0FAKE/2/def",
    )


@pytest.mark.parametrize("field", ["command", "user_id", "channel_id"])
def test_a_slash_command_without_its_essentials_is_bad(field: str) -> None:
    form = p.slash_command()
    del form[field]
    with pytest.raises(BadPayload, match=field):
        parse("slash_commands", form)


def test_a_command_must_start_with_a_slash() -> None:
    with pytest.raises(BadPayload, match="command"):
        parse("slash_commands", {**p.slash_command(), "command": "support"})


# --- junk ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["events", "hello", "", None])
def test_unknown_kinds_are_bad(kind: Any) -> None:
    with pytest.raises(BadPayload, match="unknown payload kind"):
        parse(kind, {})


@pytest.mark.parametrize("payload", [None, [], "payload", 42])
def test_a_payload_must_be_an_object(payload: Any) -> None:
    with pytest.raises(BadPayload, match="JSON object"):
        parse("events_api", payload)


AWKWARD: list[Any] = [None, True, 0, 1.5, "", "x", "/x", [], {}, ["x"], {"x": 1}, [{}]]
json_values = st.sampled_from(AWKWARD)
DELETE = object()
SELECT_MENU = p.block_actions()
SELECT_MENU["actions"][0]["selected_option"] = {"value": SELECT_MENU["actions"][0].pop("value")}
VALID = {
    "events_api": [
        p.event_callback(p.dm("hi")),
        p.event_callback(p.thread_reply("ok")),
        p.event_callback(p.app_mention(f"<@{BOT_USER_ID}> hi")),
    ],
    "interactive": [
        p.block_actions(),
        SELECT_MENU,
        {
            "type": "view_submission",
            "user": {"id": p.CUSTOMER},
            "view": {"callback_id": "c", "state": {"values": {"b": {"a": {"value": "v"}}}}},
        },
    ],
    "slash_commands": [p.slash_command()],
}


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a payload (list items by index), to mutate one at a time."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    found: list[tuple[Any, ...]] = []
    for key, child in children:
        found += [(*prefix, key), *paths(child, (*prefix, key))]
    return found


def mutate(payload: dict[str, Any], changes: list[tuple[tuple[Any, ...], Any]]) -> dict[str, Any]:
    """Apply (path, value) changes; DELETE removes a key; paths an earlier change broke are skipped."""
    result = copy_module.deepcopy(payload)
    for path, value in changes:
        parent: Any = result
        for key in path[:-1]:
            parent = _child(parent, key)
        last = path[-1]
        if isinstance(parent, dict):
            if value is DELETE:
                parent.pop(last, None)
            else:
                parent[last] = value
        elif (
            isinstance(parent, list) and isinstance(last, int) and last < len(parent) and value is not DELETE
        ):
            parent[last] = value
    return result


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


@st.composite
def broken_payloads(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(sorted(VALID)))
    base = draw(st.sampled_from(VALID[kind]))
    changes = draw(
        st.lists(
            st.tuples(st.sampled_from(paths(base)), st.just(DELETE) | json_values), min_size=1, max_size=3
        )
    )
    return kind, mutate(base, changes)


def assert_parses_or_bad_payload(kind: str, payload: dict[str, Any]) -> None:
    try:
        item = parse(kind, payload)
    except BadPayload as bad:
        assert str(bad) and "\n" not in str(bad)
    else:
        assert item is None or isinstance(
            item, ThreadReply | CustomerMessage | BlockAction | SlashCommand | ViewSubmission
        )


def test_every_single_field_removed_or_replaced_by_junk_is_handled() -> None:
    cases = 0
    for kind, bases in VALID.items():
        for base in bases:
            for path in paths(base):
                for value in [DELETE, *AWKWARD]:
                    assert_parses_or_bad_payload(kind, mutate(base, [(path, value)]))
                    cases += 1
    assert cases > 1000


@settings(max_examples=150)
@given(case=broken_payloads())
def test_broken_payloads_give_none_a_record_or_bad_payload_never_another_error(
    case: tuple[str, dict[str, Any]],
) -> None:
    assert_parses_or_bad_payload(*case)
