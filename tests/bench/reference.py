"""The reference assistant: a bare `rasa init` project plus one rule that calls a no-op custom action.

    model = ensure_reference(Path("var/bench"))      # built and trained once, cached
    with ReferenceStack(model, Path("var/bench/reference")) as ref:
        ref.rest_url                                   # Rasa's REST channel

It is what a team gets from Rasa's own template, served the same way as ours
(a Rasa server, and rasa-sdk in the action server's environment), so the
benchmark's ratio says what our pipeline, retrieval and tracker store cost
relative to the stock assistant on the same machine in the same run. The
template has no widget, so it is driven over Rasa's REST channel; its tracker
store is the template's default (in memory).
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from types import TracebackType

from bot import environment
from bot.serve import ACTIONS_PYTHON, RASA_BIN, RASA_PYTHON, Server, StartError
from tests.e2e.stack import free_port

NOOP_REPLY = "Thanks, noted."

# The one custom action: answers with a fixed line and does nothing else.
NOOP_ACTION = f'''"""A no-op custom action: the cost of the action-server hop and nothing more."""

from rasa_sdk import Action


class ActionNoop(Action):
    def name(self):
        return "action_noop"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text={NOOP_REPLY!r})
        return []
'''

# Rasa's FallbackClassifier marks what the template's intents do not cover
# (customer questions, to a mood bot) as nlu_fallback; the rule sends those to
# the custom action, as an assistant answering questions would.
NOOP_RULE = """
- rule: Anything the assistant does not recognise goes to the custom action
  steps:
  - intent: nlu_fallback
  - action: action_noop
"""
NOOP_DOMAIN = """
actions:
  - action_noop
"""
ENDPOINTS = """action_endpoint:
  url: ${ACTION_SERVER_URL}
"""
# Everything above decides the model; a change to it retrains.
RECIPE = hashlib.sha256((NOOP_ACTION + NOOP_RULE + NOOP_DOMAIN + ENDPOINTS).encode()).hexdigest()[:12]


def ensure_reference(bench_dir: Path, log: Path | None = None) -> Path:
    """The trained reference model under `bench_dir`, created from Rasa's init template if missing."""
    project = bench_dir / "reference"
    model = project / "models" / f"reference-{RECIPE}.tar.gz"
    if model.is_file():
        return model
    log = log or bench_dir / "reference-train.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    if not (project / "domain.yml").is_file():
        _run(
            [str(RASA_PYTHON), "-c", _SCAFFOLD, str(project)],
            log,
            "creating the project from Rasa's init template",
        )
        (project / "actions" / "actions.py").write_text(NOOP_ACTION)
        with (project / "data" / "rules.yml").open("a") as rules:
            rules.write(NOOP_RULE)
        with (project / "domain.yml").open("a") as domain:
            domain.write(NOOP_DOMAIN)
        (project / "endpoints.yml").write_text(ENDPOINTS)
    print("training the reference assistant (once; a few minutes)...", flush=True)
    _run(
        [str(RASA_BIN), "train", "--out", "models", "--fixed-model-name", model.name.removesuffix(".tar.gz")],
        log,
        "training the reference",
        cwd=project,
    )
    return model


# What `rasa init` does before it trains: copy the template (rasa/cli/initial_project).
_SCAFFOLD = "import sys; from rasa.cli.scaffold import create_initial_project as c; c(sys.argv[1])"


def _run(command: list[str], log: Path, what: str, cwd: Path | None = None) -> None:
    env = environment.resolve()
    env["RASA_CACHE_DIRECTORY"] = str(log.parent.resolve() / "rasa-cache")  # not the product's training cache
    with log.open("ab") as out:
        done = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise StartError(f"{what} failed ({done.returncode}); see {log}")


class ReferenceStack:
    """The reference's Rasa server and action server on free loopback ports."""

    def __init__(self, model: Path, project: Path) -> None:
        env = environment.resolve()
        rasa_port, action_port = free_port(), free_port()
        env.update(
            ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}/webhook",
            # -P below keeps the repository's own `actions` package off the path.
            PYTHONPATH=str(project.resolve()),
        )
        self.env = env
        logs = project / "logs"
        self.actions = Server(
            "reference action server",
            [str(ACTIONS_PYTHON), "-P", "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
            f"http://127.0.0.1:{action_port}/health",
            logs / "actions.log",
        )
        self.rasa = Server(
            "reference Rasa server",
            [
                str(RASA_BIN),
                "run",
                "--model",
                str(model.resolve()),
                "--endpoints",
                str((project / "endpoints.yml").resolve()),
                "--credentials",
                str((project / "credentials.yml").resolve()),
                "--interface",
                "127.0.0.1",
                "--port",
                str(rasa_port),
            ],
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/",
            logs / "rasa.log",
        )
        self.rest_url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"

    def start(self, timeout: float = 300.0) -> None:
        try:
            self.actions.start(self.env)
            self.rasa.start(self.env)
            self.actions.wait_healthy(timeout)
            self.rasa.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def __enter__(self) -> ReferenceStack:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
