"""Rasa input channel for Slack: agents (handoff threads) and customers (DMs, mentions).

Registered in bot/credentials.yml as `channels.slack.channel.SlackInput`; Rasa
mounts it under /webhooks/slack/. Events arrive over Socket Mode (SLACK_APP_TOKEN:
no public URL needed) or the Events API at POST /webhooks/slack/events (signed
with SLACK_SIGNING_SECRET). Either way they are acknowledged at once and handled
in the background; retries are dropped by id. Without SLACK_BOT_TOKEN the
channel stays off and says so at start.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from channels.csat import intents
from channels.csat.runtime import record_while_paused
from channels.csat.runtime import runtime as csat_runtime
from channels.handoff.outputs import DirectiveOutput, background
from channels.handoff.relay import Origin
from channels.handoff.runtime import services
from channels.handoff.store import Handoff
from channels.limits import Limits, LimitSettings, too_fast
from channels.redaction import redact_incoming
from channels.resilience import reply_when_unavailable
from channels.slack import events, messages, surveys
from channels.slack.blocks import CLAIM_ACTION, RESOLVE_ACTION
from channels.slack.client import SlackUnavailable, call, make_client
from channels.slack.customers import CUSTOMER_BUTTON, SlackCustomerOutput, address, conversation_id
from channels.slack.dedupe import RecentIds, recent_ids_from_env
from channels.slack.inbound import Inbound
from channels.slack.socket_mode import SocketModeRunner

logger = logging.getLogger(__name__)
# Slack's requests are a few KB (a message's blocks and a modal's state included); anything
# near this is not Slack. Without a limit of its own, Sanic would buffer up to 100 MB.
MAX_BODY_BYTES = 1024 * 1024
TAKEOVER_USAGE = "Usage: /support takeover <conversation id> (the id is in the widget's log and the reports)"


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str
    signing_secret: str
    app_token: str
    support_channel: str
    api_url: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings:
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN", ""),
            signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            app_token=env.get("SLACK_APP_TOKEN", ""),
            support_channel=env.get("SLACK_SUPPORT_CHANNEL", ""),
            api_url=env.get("SLACK_API_URL") or None,
        )

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)


class SlackInput(InputChannel):
    def __init__(
        self, settings: SlackSettings, seen: RecentIds | None = None, limits: Limits | None = None
    ) -> None:
        self.settings = settings
        self.limits = limits or Limits(LimitSettings.from_env(os.environ))  # per conversation and per user
        self.client = make_client(settings.bot_token, base_url=settings.api_url) if settings.enabled else None
        self.seen = seen if seen is not None else RecentIds()  # Slack's retries, over HTTP or Socket Mode
        self.inbound = Inbound(settings.signing_secret, dedupe=self.seen) if settings.signing_secret else None
        self.runner: SocketModeRunner | None = None

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SlackInput:
        return cls(SlackSettings.from_env(os.environ), recent_ids_from_env(os.environ))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("slack", __name__)
        self.handoffs = services()
        on_new_message = redact_incoming(on_new_message, self.handoffs.customers.agent)  # REDACT_*
        # A turn left silent because the action server is down: tell the customer, log it.
        on_new_message = reply_when_unavailable(
            on_new_message, self.handoffs.customers.agent, self.handoffs.relay.log
        )
        self.on_new_message = on_new_message
        if self.client is not None:
            self.handoffs.customers.register("slack", self._deliver, self._output_for)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> Any:
            return response.json({"slack": "on" if self.client else "off (set SLACK_BOT_TOKEN)"})

        @bp.route("/events", methods=["POST"], stream=True)  # read here, up to MAX_BODY_BYTES
        async def slack_events(request: Request) -> Any:
            if self.inbound is None or self.client is None:
                return response.json({"error": "Slack events are off: set SLACK_SIGNING_SECRET"}, status=503)
            body = await _bounded_body(request, MAX_BODY_BYTES)
            if body is None:
                return response.json({"error": f"larger than {MAX_BODY_BYTES} bytes"}, status=413)
            accepted = self.inbound.accept(request.headers, body, request.content_type or "")
            if accepted.item is not None:
                background(self.handle(accepted.item))
            if isinstance(accepted.body, dict):
                return response.json(accepted.body, status=accepted.status)
            return response.text(accepted.body, status=accepted.status)

        @bp.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            self.handoffs.attach(app)
            csat_runtime().attach(app)
            if self.client is not None and self.settings.app_token:
                self.runner = SocketModeRunner(
                    self.settings.app_token, self._envelope, base_url=self.settings.api_url, dedupe=self.seen
                )
                try:
                    await self.runner.start()
                except SlackUnavailable as error:
                    logger.error("Slack Socket Mode did not connect: %s", error)

        @bp.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            if self.runner is not None:
                await self.runner.close()

        return bp

    async def _envelope(self, kind: str, payload: dict[str, Any]) -> None:
        item = events.parse(kind, payload)
        if item is not None:
            await self.handle(item)

    async def handle(self, item: events.SlackItem) -> None:
        """One Slack event, after it was acknowledged."""
        relay = self.handoffs.relay
        if isinstance(item, events.ThreadReply):
            if await relay.on_agent_reply(item.channel, item.thread_ts, item.user, item.text):
                return
            if item.channel != self.settings.support_channel:  # a customer's follow-up in their thread
                await self._customer(item.channel, item.thread_ts, item.user, item.text, None)
        elif isinstance(item, events.CustomerMessage):
            if item.channel == self.settings.support_channel:
                return  # agents talking in the support channel are not customers
            thread = None if item.channel_type == "im" else (item.thread_ts or item.ts)
            await self._customer(item.channel, thread, item.user, item.text or "hello", None)
        elif isinstance(item, events.BlockAction):
            await self._action(item)
        elif isinstance(item, events.SlashCommand):
            await self._command(item)
        elif isinstance(item, events.ViewSubmission):
            await self._submitted(item)

    async def _customer(
        self,
        channel: str,
        thread: str | None,
        user: str,
        text: str,
        payload: str | None,
        record: bool = False,
    ) -> None:
        """A customer's message, button or rating (`record`: survey answers and feedback, built here)."""
        cid = conversation_id(channel, thread)
        received = time.time()
        verdict = self.limits.message(cid, f"slack:{user}")  # a Slack user stands in for an address
        if not verdict.allowed:  # nothing reaches Rasa; told once a streak, so Slack is not flooded either
            if verdict.first:
                await self._output_for(cid, None).send_text_message(cid, too_fast(verdict.wait))
            return
        if len(text) > messages.MAX_CUSTOMER_CHARS:
            await self._output_for(cid, None).send_text_message(cid, messages.too_long(len(text)))
            return
        if payload is None and intents.is_reserved(text):  # typed: entities come only from buttons
            await self._output_for(cid, None).send_text_message(cid, messages.COMMAND_REFUSED)
            return
        metadata = {"context": {"slack_user": user, "slack_channel": channel}, "received_at": received}
        if payload:
            metadata["display_text"] = text
        if payload == "/leave_message":
            await self.handoffs.relay.leave_message_instead(cid)
        await self.on_new_message(
            UserMessage(
                text=payload or text,
                output_channel=self._output_for(cid, None),
                sender_id=cid,
                input_channel=self.name(),
                metadata=metadata,
            )
        )
        if record:  # recorded even while a person has the conversation; never forwarded to agents
            await record_while_paused(self.handoffs.customers.agent(), cid, self._output_for(cid, None))
            return
        await self.handoffs.relay.on_customer_message(cid, text, received)

    async def _action(self, action: events.BlockAction) -> None:
        relay = self.handoffs.relay
        if action.action_id == CLAIM_ACTION:
            await self._tell(action.channel, action.user_id, await relay.claim(action.value, action.user_id))
        elif action.action_id == RESOLVE_ACTION:
            await self._tell(
                action.channel, action.user_id, await relay.resolve(action.value, action.user_id)
            )
        elif action.action_id.startswith(CUSTOMER_BUTTON):
            thread = action.thread_ts if not action.channel.startswith("D") else None
            title = action.value
            await self._customer(action.channel, thread, action.user_id, title, action.value)
        else:
            await self._rated(action)

    async def _rated(self, action: events.BlockAction) -> None:
        """A survey point, helpful / not helpful, or "Add a comment" (channels/slack/surveys.py)."""
        thread = action.thread_ts if not action.channel.startswith("D") else None
        if (rated := surveys.rating(action)) is not None:
            text = intents.csat_text(rated[0], rated[1], None)
            await self._customer(action.channel, thread, action.user_id, f"Rating: {rated[1]}", text, True)
        elif (thumbs := surveys.helpful(action)) is not None:
            shown = messages.HELPFUL if thumbs[1] else messages.NOT_HELPFUL
            text = intents.feedback_text(*thumbs)
            await self._customer(action.channel, thread, action.user_id, shown, text, True)
        elif (wanted := surveys.modal_request(action)) is not None and action.trigger_id and self.client:
            view = surveys.comment_modal(*wanted, {"channel": action.channel, "thread_ts": thread})
            try:
                await call(self.client, "views.open", trigger_id=action.trigger_id, view=view)
            except SlackUnavailable as error:
                logger.warning("could not open the comment form for %s: %s", action.user_id, error)

    async def _submitted(self, submission: events.ViewSubmission) -> None:
        found = surveys.comment_of(submission)
        if found is None:
            return
        survey_id, comment, where = found
        text = intents.comment_text(survey_id, comment)
        channel, thread = str(where["channel"]), where["thread_ts"]
        await self._customer(channel, thread, submission.user_id, "Comment", text, record=True)

    async def _command(self, command: events.SlashCommand) -> None:
        words = command.text.split()
        if len(words) != 2 or words[0] != "takeover":
            await self._tell(command.channel_id, command.user_id, TAKEOVER_USAGE)
            return
        cid = words[1]
        origin = Origin("slack", address(cid)) if cid.startswith("slack-") else Origin("webchat", {})
        await self._tell(
            command.channel_id,
            command.user_id,
            await self.handoffs.relay.take_over(cid, origin, command.user_id),
        )

    async def _tell(self, channel: str, user: str, text: str) -> None:
        """A note only the agent sees."""
        if self.client is None:
            return
        try:
            await call(self.client, "chat.postEphemeral", channel=channel, user=user, text=text)
        except SlackUnavailable as error:
            logger.warning("could not answer agent %s: %s", user, error)

    def _output_for(self, cid: str, _handoff: Handoff | None) -> OutputChannel:
        assert self.client is not None
        where = address(cid)
        inner = SlackCustomerOutput(self.client, str(where["channel"]), where["thread_ts"])
        return DirectiveOutput(inner, self.handoffs.relay, Origin("slack", where))

    async def _deliver(self, handoff: Handoff, message: dict[str, Any]) -> None:
        try:
            await self._output_for(handoff.conversation_id, handoff).send_response(
                handoff.conversation_id, message
            )
        except SlackUnavailable as error:  # the message is in the log; the customer sees it on return
            logger.warning("could not deliver to %s: %s", handoff.conversation_id, error)


class _BodyStream(Protocol):
    """What Sanic's request stream offers a streaming handler (its `Stream` type does not say)."""

    async def read(self) -> bytes | None: ...


async def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None once it is known to exceed `limit` bytes (unsigned, unread)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    if request.stream is None:
        return request.body or b""
    stream = cast(_BodyStream, request.stream)
    chunks: list[bytes] = []
    received = 0
    while (chunk := await stream.read()) is not None:
        received += len(chunk)
        if received > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
