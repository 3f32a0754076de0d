"""What lets several Rasa servers act as one: shared settings and conversation locks in Redis.

With REDIS_URL unset (one Rasa server) nothing here is used. With it, Rasa takes
its conversation locks from `locks.py`, the web channel delivers frames to
sockets on other servers (channels/web/fanout.py) and Slack retries are
de-duplicated across servers (channels/slack/dedupe.py).
"""
