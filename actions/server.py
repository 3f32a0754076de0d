"""The action server: build the dependencies once, register the actions, serve.

    python -m actions.server --port 5055

rasa-sdk's own entry point instantiates action classes without arguments; here
actions get their dependencies (knowledge service, rules, clock) through their
constructors, so the executor is assembled explicitly.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import ujson
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import HTTPResponse, Request, Sanic
from sanic.exceptions import MethodNotAllowed, NotFound, PayloadTooLarge, SanicException
from sanic.response import json as json_response

from actions.admin import AdminSettings, register_admin_routes
from actions.answer import ActionAnswer
from actions.contact import ActionSubmitContact, ValidateContactForm
from actions.csat import ActionAskCsat, ActionCsatComment, ActionCsatSubmit, Surveys
from actions.feedback import ActionAnswerFeedback
from actions.handoff import ActionAfterHandoff, ActionHandoff, ticket_reason
from actions.privacy.schedule import schedule_retention
from actions.privacy.settings import DatabaseUrls, PrivacySettingsError, RetentionSettings
from actions.reports.service import ReportService
from actions.reports.settings import ReportSettings
from actions.support_rules import RulesError, SupportRules, load_support_rules
from knowledge.factory import build_composer, build_store
from knowledge.library import Library
from knowledge.redaction import install_log_redaction
from knowledge.retrieval import HybridRetriever
from knowledge.runtime import configure_cpu
from knowledge.service import KnowledgeService
from knowledge.settings import KnowledgeSettings, SettingsError
from knowledge.store import KnowledgeStore

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUEST_BYTES = 16 * 1024 * 1024
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerConfig:
    knowledge: KnowledgeSettings
    rules: SupportRules
    admin: AdminSettings = AdminSettings.disabled()
    desk_connected: bool = False  # Slack is configured, so handoffs can reach agents

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServerConfig:
        rules_path = Path(env.get("SUPPORT_RULES") or ROOT / "bot" / "support.yml")
        return cls(
            KnowledgeSettings.from_env(env, ROOT),
            load_support_rules(rules_path),
            AdminSettings.from_env(env),
            desk_connected=bool(env.get("SLACK_BOT_TOKEN") and env.get("SLACK_SUPPORT_CHANNEL")),
        )


def build_knowledge(config: ServerConfig, store: KnowledgeStore) -> KnowledgeService:
    answers = config.rules.answers
    return KnowledgeService(
        retriever=HybridRetriever(store),
        compose=build_composer(config.knowledge, max_chars=answers.max_answer_chars),
        min_score=answers.min_score,
        top_k=answers.top_k,
    )


def _loads(body: str | bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return ujson.loads(body)  # what Sanic used: it also reads NaN and Infinity, which Rasa can write


def build_executor(config: ServerConfig, knowledge: KnowledgeService) -> ActionExecutor:
    executor = ActionExecutor()
    surveys = Surveys(config.rules.csat)
    for action in (
        ActionAnswer(knowledge, handoff_after=config.rules.handoff.after_unanswered),
        ActionHandoff(config.rules, desk_connected=config.desk_connected),
        ActionAfterHandoff(surveys),
        ValidateContactForm(config.rules.contact),
        ActionSubmitContact(reason=ticket_reason(config.rules, config.desk_connected)),
        ActionAskCsat(surveys),
        ActionCsatSubmit(surveys),
        ActionCsatComment(surveys),
        ActionAnswerFeedback(),
    ):
        executor.register_action(action)
    return executor


def build_library(config: ServerConfig, store: KnowledgeStore) -> Library:
    """The admin API's documents; `store` is the one answering, so its readers see every change."""
    return Library(config.knowledge.helpcentre_dir, store, config.admin.max_upload_bytes)


def build_app(
    config: ServerConfig,
    knowledge: KnowledgeService,
    library: Library | None = None,
    reports: ReportService | None = None,
) -> Sanic:
    app = create_app(build_executor(config, knowledge), cors_origins=[])
    # Rasa's calls carry one session's events and the domain: well under this. Sanic's own default
    # is 100 MB; document uploads stream past it under their own limit (ADMIN_MAX_UPLOAD_BYTES).
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    # Each call carries the session's tracker (about 650 KB at turn 200): orjson reads it in
    # half ujson's time (Sanic's default). Sanic's `loads=` is a constructor argument, and
    # rasa-sdk constructs the app, so the loader is set on the request class it uses.
    app.request_class._loads = _loads

    # rasa-sdk maps every exception to 500; a wrong path or method, or a request line or
    # headers over Sanic's size limit (e.g. a long report filter), is the client's mistake.
    @app.exception(NotFound, MethodNotAllowed, PayloadTooLarge)
    async def client_error(request: Request, error: SanicException) -> HTTPResponse:
        return json_response({"error": str(error)}, status=error.status_code)

    if library is not None:
        register_admin_routes(app, library, config.admin.token, config.admin.max_upload_bytes, reports)
    return app


def warm_up(knowledge: KnowledgeService, store: KnowledgeStore) -> int | None:
    """Load the model and the catalog before serving; the index's size, None if it can't be reached.

    A Chroma server that is down must not keep the action server from starting:
    the rest of the bot works, questions get an honest "can't look that up", and
    the catalog loads once the server is back.
    """
    try:
        entries = store.count()
        knowledge.retriever.search("warm up", k=1)
    except Exception as error:  # the Chroma server's client raises its own errors
        logger.warning(
            "the knowledge index can't be reached (%s); answering without it until it is back", error
        )
        with contextlib.suppress(Exception):  # the embedding model at least, so recovery is quick
            store.embeddings.embed_query("warm up")
        return None
    if entries == 0:
        logger.warning("the knowledge index is empty: run `make sync` (python -m knowledge sync)")
    return entries


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server")
    parser.add_argument("--host", default=os.environ.get("SUPPORTBOT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
    )
    configure_cpu()
    try:
        config = ServerConfig.from_env(os.environ)
        store = build_store(config.knowledge)
        knowledge = build_knowledge(config, store)
        reports = ReportService.from_settings(ReportSettings.from_env(os.environ, ROOT))
        retention = RetentionSettings.from_env(os.environ)
    except (SettingsError, RulesError, PrivacySettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    install_log_redaction(config.knowledge.redaction.redactor)  # REDACT: no customer data in this log
    entries = warm_up(knowledge, store)
    mode = "LLM (" + config.knowledge.openai.model + ")" if config.knowledge.openai else "extractive"
    logger.info("answers: %s; index holds %s entries", mode, "unknown" if entries is None else entries)
    logger.info("admin API: %s", "on, under /admin" if config.admin.token else "off (set ADMIN_TOKEN)")
    app = build_app(config, knowledge, build_library(config, store), reports)
    schedule_retention(app, retention, DatabaseUrls.from_env(os.environ))  # RETENTION_SCHEDULE=daily
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
