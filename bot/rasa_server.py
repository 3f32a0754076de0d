"""Rasa's own `rasa` command, with bot/speedups.py installed first.

    .venv-rasa/bin/python -m bot.rasa_server run --model ... --endpoints ...

bot/serve.py starts the Rasa server through this module, so every deployment
(make run, the tests, docs/deploy) runs the same code. Arguments are Rasa's.
"""

from __future__ import annotations

from bot import speedups


def main() -> None:
    speedups.install()
    from rasa.__main__ import main as rasa_main  # after install: Rasa reads sys.argv

    rasa_main()


if __name__ == "__main__":
    main()
