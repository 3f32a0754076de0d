"""Human handoff on the Rasa side: the Slack thread of a conversation and its state.

Actions decide (business hours, triggers) and say so with a directive in a bot
message (`custom.handoff`, `custom.ticket`); the relay carries it out: it posts
the Slack thread, forwards customer messages to it, brings agent replies back
into the conversation log and to the customer, and handles claim and resolve.
"""
