"""Finding a customer's conversations: by conversation id, e-mail, widget customer_id, Slack user."""

from __future__ import annotations

import pytest

from actions.privacy.customers import Customer, UnknownCustomer, find_conversations
from actions.privacy.database import Databases
from actions.privacy.settings import DatabaseUrls, PrivacySettingsError
from tests.actions.privacy.builders import NOW, Store


def found(url: str, kind: str, value: str) -> set[str]:
    with Databases.connect(DatabaseUrls(url, url)) as dbs:
        return find_conversations(dbs, Customer.parse(kind, value))


def test_an_email_is_found_in_tickets_handoffs_the_contact_form_and_the_widget_context(
    store: Store, db_url: str
) -> None:
    store.conversation("by-ticket", NOW)
    store.ticket("by-ticket", "Jane@Example.com", NOW)
    store.conversation("by-handoff", NOW)
    store.handoff("by-handoff", NOW, customer={"page_url": "https://x", "email": "jane@example.com"})
    store.conversation("by-slot", NOW)
    store.slot("by-slot", "contact_email", "jane@EXAMPLE.com", NOW + 70)
    store.conversation("by-widget", NOW, context={"customer_email": "jane@example.com", "locale": "en"})
    store.ticket("no-events", "jane@example.com", NOW)
    # Named in somebody else's words, not as who they are: not theirs.
    store.conversation("mentions", NOW, text="my colleague jane@example.com said so")
    store.conversation("other", NOW, context={"customer_email": "john@example.com"})

    assert found(db_url, "email", " JANE@example.COM ") == {
        "by-ticket",
        "by-handoff",
        "by-slot",
        "by-widget",
        "no-events",
    }


def test_like_wildcards_in_an_address_match_only_themselves(store: Store, db_url: str) -> None:
    store.conversation("underscore", NOW, context={"customer_email": "a_b@example.com"})
    store.conversation("lookalike", NOW, context={"customer_email": "axb@example.com"})
    store.conversation("percent", NOW, context={"customer_email": "a%b@example.com"})
    assert found(db_url, "email", "a_b@example.com") == {"underscore"}
    assert found(db_url, "email", "a%b@example.com") == {"percent"}


def test_a_non_ascii_address_is_found_as_rasa_escapes_it(store: Store, db_url: str) -> None:
    store.conversation("umlaut", NOW, context={"customer_email": "jürgen@example.de"})
    assert found(db_url, "email", "jürgen@example.de") == {"umlaut"}


def test_a_widget_customer_id_and_a_slack_user_find_their_conversations(store: Store, db_url: str) -> None:
    store.conversation("web-1", NOW, context={"customer_id": "cus_42"})
    store.conversation("web-2", NOW + 999, context={"customer_id": "cus_42"})
    store.conversation("web-3", NOW, context={"customer_id": "cus_420"})
    slack = {"slack_user": "U0JANE", "slack_channel": "D0JANE"}
    store.conversation("slack-D0JANE", NOW, channel="slack", context=slack)
    store.conversation("slack-C0GEN-1700000000.000100", NOW, channel="slack", context=slack)
    store.conversation("slack-D0BOB", NOW, channel="slack", context={"slack_user": "U0BOB"})
    store.handoff("slack-D0OLD", NOW, customer={"slack_user": "U0JANE"})  # its events were erased

    assert found(db_url, "customer_id", "cus_42") == {"web-1", "web-2"}
    assert found(db_url, "slack_user", "U0JANE") == {
        "slack-D0JANE",
        "slack-C0GEN-1700000000.000100",
        "slack-D0OLD",
    }


def test_a_conversation_id_is_found_in_the_log_or_any_support_table(store: Store, db_url: str) -> None:
    store.conversation("3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7", NOW)
    store.ticket("only-a-ticket", "x@example.com", NOW)
    assert found(db_url, "conversation", "3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7") == {
        "3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7"
    }
    assert found(db_url, "conversation", "only-a-ticket") == {"only-a-ticket"}


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("conversation", "nobody"),
        ("email", "nobody@example.com"),  # lower case: addresses are compared so
        ("customer_id", "cus_nobody"),
        ("slack_user", "U0NOBODY"),
    ],
)
def test_an_unknown_customer_is_said_to_be_unknown(store: Store, db_url: str, kind: str, value: str) -> None:
    store.conversation("someone", NOW, context={"customer_id": "cus_1", "customer_email": "a@example.com"})
    with pytest.raises(UnknownCustomer, match=f"nothing is stored for {kind} {value}"):
        found(db_url, kind, value)


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("email", "not-an-address", "--email must be an e-mail address"),
        ("email", "jane@", "--email must be an e-mail address"),
        ("conversation", "has space", "--conversation must be a conversation id"),
        ("conversation", "x" * 256, "--conversation must be a conversation id"),
        ("conversation", "", "--conversation must be a conversation id"),
        ("slack_user", "jane", "--slack-user must be a Slack user id"),
        ("slack_user", "C0CHANNEL", "--slack-user must be a Slack user id"),
        ("customer_id", "", "--customer-id must be 1-255 printable characters"),
        ("customer_id", "a\nb", "--customer-id must be 1-255 printable characters"),
        ("phone", "+4412345678", "unknown identifier kind"),
    ],
)
def test_malformed_identifiers_are_refused_with_what_a_good_one_looks_like(
    kind: str, value: str, message: str
) -> None:
    with pytest.raises(PrivacySettingsError, match=message) as refused:
        Customer.parse(kind, value)
    assert "\n" not in str(refused.value)
