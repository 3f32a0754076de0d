"""Redaction: every listed format is caught; order numbers, dates, prices and times are not touched."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge import redaction
from knowledge.documents import Article
from knowledge.factory import build_composer, build_store
from knowledge.redaction import (
    RedactingFilter,
    RedactionError,
    RedactionSettings,
    Redactor,
    install_log_redaction,
    luhn_valid,
)
from knowledge.retrieval import HybridRetriever
from knowledge.service import KnowledgeService
from knowledge.settings import KnowledgeSettings, SettingsError
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.stores import small_store

REDACT_ALL = Redactor()
DIGIT = "0123456789"

# Around a value: how people write in a chat. No digit right after a separator, which would
# make the value longer ("call 020 7946 0958 2" is another number).
PREFIXES = st.sampled_from(["", "call me on ", "(", "tel: ", "Number:", "it's ", "mail "])
SUFFIXES = st.sampled_from(["", ".", ",", " please", "!", ")", " or email me", "?", "\n"])


def digits(n: int, first: str = DIGIT) -> st.SearchStrategy[str]:
    if n == 0:
        return st.just("")
    return st.tuples(st.sampled_from(first), st.text(DIGIT, min_size=n - 1, max_size=n - 1)).map("".join)


# ---------------------------------------------------------------------------------------------------
# What must be caught


@st.composite
def emails(draw: st.DrawFn) -> str:
    word = st.from_regex(r"[a-z0-9](?:[a-z0-9_+-]{0,12}[a-z0-9])?", fullmatch=True)
    local = draw(st.lists(word, min_size=1, max_size=3).map(".".join))
    label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
    labels = draw(st.lists(label, min_size=1, max_size=3))
    tld = draw(st.from_regex(r"[a-z]{2,6}", fullmatch=True))
    address = f"{local}@{'.'.join(labels)}.{tld}"
    return address.upper() if draw(st.booleans()) else address


@st.composite
def cards(draw: st.DrawFn) -> str:
    """A Luhn-valid number from a card network's range, written as people write them."""
    length, groups = draw(
        st.sampled_from(
            [
                (16, [4, 4, 4, 4]),  # Visa, Mastercard, Discover
                (15, [4, 6, 5]),  # American Express
                (14, [4, 6, 4]),  # Diners
                (19, [4, 4, 4, 4, 3]),  # long Visa / UnionPay
                (13, [13]),  # old Visa, unbroken
                (16, [16]),  # unbroken
            ]
        )
    )
    body = draw(digits(length - 1, first="23456"))
    number = body + next(d for d in DIGIT if luhn_valid(body + d))
    separator = draw(st.sampled_from([" ", "-"]))
    parts, at = [], 0
    for size in groups:
        parts.append(number[at : at + size])
        at += size
    return separator.join(parts)


@st.composite
def phones(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["international", "international-unbroken", "trunk", "trunk-parens", "nanp"]))
    sep = draw(st.sampled_from([" ", "-", "."]))
    if kind == "international":
        country = draw(digits(draw(st.integers(1, 3)), first="123456789"))
        rest = [draw(digits(draw(st.integers(2, 4)))) for _ in range(draw(st.integers(2, 4)))]
        if sum(map(len, [country, *rest])) < 8:
            rest.append(draw(digits(4)))
        while sum(map(len, [country, *rest])) > 15:  # E.164: at most 15 digits
            rest.pop()
        trunk = "(0)" if draw(st.booleans()) else ""
        return f"+{country} {trunk}{sep.join(rest)}"
    if kind == "international-unbroken":
        return "+" + draw(digits(draw(st.integers(8, 15)), first="123456789"))
    if kind in ("trunk", "trunk-parens"):
        area = "0" + draw(digits(draw(st.integers(1, 4))))
        total = draw(st.integers(9, 12))
        subscriber = draw(digits(total - len(area)))
        cut = draw(st.sampled_from([0, 3, 4])) if len(subscriber) >= 6 else 0
        number = sep.join(p for p in (subscriber[:cut], subscriber[cut:]) if p)
        if kind == "trunk-parens":
            return f"({area}) {number.replace(sep, ' ')}"
        return f"{area}{sep}{number}"
    # North American numbering: area code [2-9][0-8]x, exchange [2-9]xx
    area = draw(digits(1, "23456789")) + draw(digits(1, "012345678")) + draw(digits(1))
    exchange, line = draw(digits(3, "23456789")), draw(digits(4))
    return draw(
        st.sampled_from(
            [
                f"({area}) {exchange}-{line}",
                f"({area}) {exchange} {line}",
                f"{area}{sep.strip() or '-'}{exchange}{sep.strip() or '-'}{line}",
                f"1{sep.strip() or '-'}{area}{sep.strip() or '-'}{exchange}{sep.strip() or '-'}{line}",
            ]
        )
    )


@settings(max_examples=300)
@given(prefix=PREFIXES, address=emails(), suffix=SUFFIXES)
def test_every_email_address_is_replaced_whole(prefix: str, address: str, suffix: str) -> None:
    assert REDACT_ALL.redact(f"{prefix}{address}{suffix}") == f"{prefix}[email]{suffix}"


@settings(max_examples=300)
@given(prefix=PREFIXES, number=cards(), suffix=SUFFIXES)
def test_every_card_number_is_replaced_whole(prefix: str, number: str, suffix: str) -> None:
    assert REDACT_ALL.redact(f"{prefix}{number}{suffix}") == f"{prefix}[card]{suffix}"


@settings(max_examples=400)
@given(prefix=PREFIXES, number=phones(), suffix=SUFFIXES)
def test_every_phone_number_is_replaced_whole(prefix: str, number: str, suffix: str) -> None:
    assert REDACT_ALL.redact(f"{prefix}{number}{suffix}") == f"{prefix}[phone]{suffix}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm jane.doe+shop@example.co.uk.", "I'm [email]."),
        ("jürgen@exämple.de", "[email]"),
        ("card 4111 1111 1111 1111 exp 12/27, cvc 123", "card [card] exp 12/27, cvc 123"),
        ("amex 3782 822463 10005 thanks", "amex [card] thanks"),
        ("4111 1111 1111 1111 5", "[card] 5"),  # a card, then a stray digit
        ("+44 20 7946 0958 or +1 (555) 123-4567", "[phone] or [phone]"),
        ("call 212-555-0123 or (212) 555 0123", "call [phone] or [phone]"),
        ("+44 (0)20 7946 0958", "[phone]"),
        ("020 7946 0958 / 06 12 34 56 78 / 030 12345678", "[phone] / [phone] / [phone]"),
        ("(555) 234-5678, 555.234.5678 or 1-800-555-1234", "[phone], [phone] or [phone]"),
        (
            "mail jane@example.com, call 020 7946 0958, pay 5555555555554444",
            "mail [email], call [phone], pay [card]",
        ),
    ],
)
def test_examples_of_each_kind(text: str, expected: str) -> None:
    assert REDACT_ALL.redact(text) == expected


# ---------------------------------------------------------------------------------------------------
# What must be left alone


def order_numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(4, 12).flatmap(lambda n: digits(n)).map(lambda d: "#" + d),
        st.integers(4, 12).flatmap(lambda n: digits(n, "123456789")),  # bare, as typed
        st.tuples(st.integers(2000, 2099), digits(6)).map(lambda t: f"ORD-{t[0]}-{t[1]}"),
        st.tuples(digits(3), digits(7), digits(7)).map("-".join),  # 123-4567890-1234567
        st.tuples(st.sampled_from("ABCXZ"), digits(8)).map("".join),
        st.integers(1, 10**12).map(lambda n: f"order {n}"),
    )


def dates() -> st.SearchStrategy[str]:
    day = st.tuples(st.integers(1970, 2099), st.integers(1, 12), st.integers(1, 28))
    return st.one_of(
        day.map(lambda d: f"{d[0]}-{d[1]:02d}-{d[2]:02d}"),
        day.map(lambda d: f"{d[2]:02d}.{d[1]:02d}.{d[0]}"),
        day.map(lambda d: f"{d[1]:02d}/{d[2]:02d}/{d[0]}"),
        day.map(lambda d: f"{d[1]:02d}-{d[2]:02d}-{d[0]}"),
        day.map(lambda d: f"{d[0]}/{d[1]:02d}/{d[2]:02d}"),
        day.map(lambda d: f"{d[2]} Jan {d[0]}"),
        st.tuples(day, times()).map(lambda t: f"{t[0][0]}-{t[0][1]:02d}-{t[0][2]:02d}T{t[1]}:00Z"),
        st.tuples(day, times()).map(lambda t: f"{t[0][2]:02d}.{t[0][1]:02d}.{t[0][0]} {t[1]}"),
        st.tuples(day, times()).map(
            lambda t: f"{t[0][2]:02d}.{t[0][1]:02d}.{t[0][0]} {t[1].replace(':', '.')}"
        ),
    )


def times() -> st.SearchStrategy[str]:
    clock = st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
    return st.one_of(
        clock.map(lambda t: f"{t[0]:02d}:{t[1]:02d}"),
        clock.map(lambda t: f"{t[0]}:{t[1]:02d}:{t[2]:02d}"),
        clock.map(lambda t: f"{t[0]}.{t[1]:02d} am"),
        clock.map(lambda t: f"{t[0]:02d}:{t[1]:02d}-{t[2] % 24:02d}:00"),
    )


def prices() -> st.SearchStrategy[str]:
    amount = st.integers(0, 10**9)
    cents = st.integers(0, 99)
    return st.one_of(
        st.tuples(amount, cents).map(lambda a: f"${a[0]:,}.{a[1]:02d}"),
        st.tuples(amount, cents).map(
            lambda a: f"{a[0]:,}".replace(",", ".") + f",{a[1]:02d} €"
        ),  # 1.234,56 €
        st.tuples(amount, cents).map(
            lambda a: f"{a[0]:,}".replace(",", " ") + f",{a[1]:02d} €"
        ),  # 1 234,56 €
        amount.map(lambda a: f"EUR {a:,}".replace(",", " ")),
        st.tuples(amount, cents).map(lambda a: f"£{a[0]}.{a[1]:02d}"),
        cents.map(lambda c: f"0.{c:02d}"),
        st.integers(0, 100).map(lambda p: f"{p}%"),
    )


ORDINARY = st.one_of(order_numbers(), dates(), times(), prices())


@settings(max_examples=1000)
@given(
    st.lists(
        st.tuples(ORDINARY, st.sampled_from([" ", ", ", " at ", " for ", "; ", " - "])),
        min_size=1,
        max_size=6,
    )
)
def test_order_numbers_dates_prices_and_times_are_never_redacted(parts: list[tuple[str, str]]) -> None:
    text = "".join(value + glue for value, glue in parts)
    assert REDACT_ALL.redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Order #123456789012 placed on 2024-01-15 at 10:30 for $1,234.56",
        "15.01.2024 09:30",
        "05.06.2024 12.30 Uhr",
        "1 234 567,89 €",
        "version 1.2.3, build 20240115",
        "192.168.100.200",
        "slack-C0SUPPORT-1700000000.000100",  # conversation ids and Slack timestamps in logs
        "3f2a9c0d4e5b4111111111111111a6b7",  # a uuid hex holding a card-like run
        "4111 1111 1111 1112",  # fails Luhn
        "1234 5678 9012 3456",  # Luhn-valid? it is not; and it starts with 1
        "postgresql://postgres@127.0.0.1:5432/support",
        "<@U0SAM> claimed it",
        "ISBN 978-3-16-148410-0",
        "SSN-like 123-45-6789",
        "EUR 200 000 1000",  # a price, then an order number: 000 is no exchange code
        "EUR 200 200 1000",  # spaced groups without a leading 0 or parentheses: not a phone
    ],
)
def test_look_alikes_are_left_alone(text: str) -> None:
    assert REDACT_ALL.redact(text) == text


def test_only_the_chosen_kinds_are_redacted() -> None:
    text = "jane@example.com, 020 7946 0958, 4111 1111 1111 1111"
    assert Redactor(["card"]).redact(text) == "jane@example.com, 020 7946 0958, [card]"
    assert Redactor(["email", "phone"]).redact(text) == "[email], [phone], 4111 1111 1111 1111"
    assert Redactor.off().redact(text) == text and not Redactor.off()


@pytest.mark.parametrize(
    "text",
    ["a@" + "a" * 4000, "a" * 4000 + "@", "1 " * 2000, "0" + "-1" * 2000, "+" + "1 " * 2000, "x@y." * 1000],
)
def test_adversarial_input_is_redacted_quickly(text: str) -> None:
    started = time.perf_counter()
    REDACT_ALL.redact(text)
    assert time.perf_counter() - started < 0.5


# ---------------------------------------------------------------------------------------------------
# Settings


@pytest.mark.parametrize(
    ("env", "kinds", "tracker"),
    [
        ({}, (), "keep"),
        ({"REDACT": ""}, (), "keep"),
        ({"REDACT": "card, Email"}, ("card", "email"), "keep"),
        ({"REDACT": "all", "REDACT_TRACKER": "redact"}, ("email", "phone", "card"), "redact"),
    ],
)
def test_settings_from_the_environment(env: dict[str, str], kinds: tuple[str, ...], tracker: str) -> None:
    settings = RedactionSettings.from_env(env)
    assert (settings.kinds, settings.tracker) == (kinds, tracker)
    assert settings.redactor.kinds == tuple(k for k in ("email", "phone", "card") if k in kinds)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REDACT": "emails"}, "REDACT must be a comma-separated list of email, phone, card"),
        ({"REDACT": "email,iban"}, "REDACT must be a comma-separated list"),
        ({"REDACT": "all", "REDACT_TRACKER": "drop"}, "REDACT_TRACKER must be keep or redact, got 'drop'"),
        ({"REDACT_TRACKER": "redact"}, "REDACT_TRACKER=redact needs REDACT"),
    ],
)
def test_wrong_settings_fail_in_one_line_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(RedactionError) as failed:
        RedactionSettings.from_env(env)
    assert message in str(failed.value) and "\n" not in str(failed.value)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(RedactionError, match="unknown kind 'iban'"):
        Redactor(["email", "iban"])


# ---------------------------------------------------------------------------------------------------
# Logs


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("test", logging.INFO, __file__, 1, message, args, exc_info)


def test_the_filter_redacts_the_message_its_arguments_and_the_traceback() -> None:
    try:
        raise ValueError("bad address jane@example.com")
    except ValueError as error:
        rec = record("customer %s said %r", "c1", "call 020 7946 0958", exc=error)
    assert RedactingFilter(REDACT_ALL).filter(rec) is True
    formatted = logging.Formatter("%(message)s").format(rec)
    assert formatted.startswith("customer c1 said 'call [phone]'")
    assert "bad address [email]" in formatted and "jane@example.com" not in formatted


@pytest.fixture
def clean_logging() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)
    redaction._installed.clear()


def test_installed_redaction_covers_every_logger_and_handler_added_later(
    clean_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    assert install_log_redaction(Redactor(["email"])) is True
    assert install_log_redaction(Redactor(["card"])) is True  # the first one stays
    late = logging.getLogger("sanic.late")  # a library configuring its logger after start
    with caplog.at_level(logging.INFO):
        late.info("message from %s", "jane@example.com")
        logging.getLogger("rasa.core").warning("card 4111 1111 1111 1111")
    assert caplog.messages == ["message from [email]", "card 4111 1111 1111 1111"]


def test_nothing_is_installed_when_nothing_is_to_be_redacted(clean_logging: None) -> None:
    factory = logging.getLogRecordFactory()
    assert install_log_redaction(Redactor.off()) is False
    assert logging.getLogRecordFactory() is factory


def test_a_malformed_record_is_left_for_logging_to_report() -> None:
    rec = record("%d items", "not a number")
    assert RedactingFilter(REDACT_ALL).filter(rec) is True
    assert rec.msg == "%d items"


# ---------------------------------------------------------------------------------------------------
# Where it applies in the action server: what reaches OpenAI


@pytest.fixture(scope="module")
def openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def llm_settings(tmp_path: Path, openai: FakeOpenAI, **env: str) -> KnowledgeSettings:
    base = {"OPENAI_API_KEY": "sk-cite", "OPENAI_BASE_URL": openai.base_url, "CHROMA_PATH": str(tmp_path)}
    return KnowledgeSettings.from_env({**base, **env}, tmp_path)


ARTICLE = Article(
    doc_id="billing.md",
    title="Update your card",
    url="https://help.example/billing",
    body="## Steps\n\nOpen Settings > Billing and choose Update card. Support: +44 20 7946 0958.",
)
QUESTION = "I'm jane@example.com, my card 4111 1111 1111 1111 was declined, call 020 7946 0958"


@pytest.mark.parametrize(("redact", "leaked"), [("all", False), ("", True)])
def test_the_question_reaches_the_llm_redacted_when_asked(
    tmp_path: Path, openai: FakeOpenAI, redact: str, leaked: bool
) -> None:
    store, _ = small_store(tmp_path)
    store.sync([ARTICLE])
    settings = llm_settings(tmp_path, openai, REDACT=redact)
    service = KnowledgeService(HybridRetriever(store), build_composer(settings), min_score=-1.0)
    openai.requests.clear()
    answer = service.answer(QUESTION)
    assert answer.mode == "llm"
    [request] = openai.chat_requests()
    prompt = json.dumps(request["messages"])
    for secret in ("jane@example.com", "4111 1111 1111 1111", "020 7946 0958"):
        assert (secret in prompt) is leaked
    if not leaked:
        question = request["messages"][-1]["content"].rsplit("Customer question: ", 1)[1]
        assert question == "I'm [email], my card [card] was declined, call [phone]"
        assert "+44 20 7946 0958" in prompt  # the help centre's own number is not customer data


def test_a_question_embedded_by_openai_is_redacted_and_the_articles_are_not(
    tmp_path: Path, openai: FakeOpenAI
) -> None:
    settings = llm_settings(
        tmp_path, openai, REDACT="email,card", OPENAI_EMBEDDING_MODEL="text-embedding-3-small"
    )
    store = build_store(settings)
    openai.requests.clear()
    store.sync([ARTICLE])
    HybridRetriever(store).search(QUESTION, k=1)
    inputs = [text for body in openai.embedding_requests() for text in body["input"]]
    assert any("+44 20 7946 0958" in text for text in inputs)  # documents as written
    assert "I'm [email], my card [card] was declined, call 020 7946 0958" in inputs
    assert not any("jane@example.com" in text for text in inputs)


def test_a_wrong_redact_setting_is_a_knowledge_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="REDACT must be a comma-separated list"):
        KnowledgeSettings.from_env({"REDACT": "names"}, tmp_path)
