"""The website chat channel: a WebSocket speaking docs/widget-protocol.md."""
