"""A small conversation log whose report is worked out by hand (docs/reports.md).

c1  webchat /pricing   Nov 2   answered, rated helpful, goodbye survey: 5          contained
c2  webchat /app       Nov 2   declined "How do I export notes to PDF?", left       ends unanswered
c3  slack              Nov 3   declined, then answered (rated not helpful)          contained
c4  webchat /pricing/e Nov 3   asks for a person: handoff, agent replies after 90 s;
                               the resolve and the survey (2, then a comment) arrive
                               in a new Rasa session nobody wrote in                handed off
c5  webchat /app       Nov 4   asks for a person after hours: ticket                handed off, after hours
c6  webchat /app       Nov 4   only says hi                                         contained
c7  webchat            Nov 4   opened the widget, wrote nothing                     not a conversation
c8  webchat            Oct 31  before the range                                     not counted
c9  c1 again           Nov 5   new session (Rasa carries c1's survey answer over),
                               answered; a survey left unanswered                   contained
"""

from __future__ import annotations

from actions.reports.synthetic import SyntheticLog
from tests.actions.reports.helpers import at

PRICING = "https://shop.example.com/pricing"
APP = "https://shop.example.com/app"


def scenario() -> SyntheticLog:
    log = SyntheticLog()
    c1 = log.conversation("c1", at(2, 10))
    c1.customer("How do I reset my password?", page_url=PRICING)
    c1.feedback(c1.answer(grounded=True), helpful=True)
    c1.customer("thanks, bye", "goodbye").utter("utter_goodbye")
    s1 = c1.survey(trigger="goodbye")
    c1.csat(s1, 5)

    c2 = log.conversation("c2", at(2, 11))
    c2.customer("How do I export notes to PDF?", page_url=APP)
    c2.answer(grounded=False, question="How do I export notes to PDF?")

    c3 = log.conversation("slack-D0C3", at(3, 10), channel="slack")
    c3.customer("export my notes as a pdf")
    c3.answer(grounded=False, question="export my notes as a pdf")
    c3.customer("how do I share a note")
    c3.feedback(c3.answer(grounded=True), helpful=False)

    c4 = log.conversation("c4", at(3, 12))
    c4.customer("I want to talk to a person", "human", page_url=PRICING + "/enterprise")
    c4.handoff_decision("connecting")
    c4.handoff(claim_after=30, reply_after=90)
    c4.wait(90).agent("Hi, Sam here.")
    c4.wait(4000).start_session()  # past Rasa's session timeout
    c4.resolved()
    s4 = c4.survey(trigger="resolved")
    c4.csat(s4, 2)
    c4.csat(s4, 2, comment="Took a while")

    c5 = log.conversation("c5", at(4, 22))
    c5.customer("I want to talk to a person", "human", page_url=APP)
    c5.handoff_decision("after_hours")
    c5.wait(60).ticket("after_hours")

    log.conversation("c6", at(4, 9)).customer("hi", "greet", page_url=APP).utter("utter_greet")
    log.conversation("c7", at(4, 9, 30))
    log.conversation("c8", at(1, 0) - 1800).customer("hello?", page_url=APP).answer(grounded=True)

    c1.now = at(5, 9)
    c1.start_session(carried_slots={"csat_result": {"survey_id": s1, "rating": 5, "comment": None, "ts": 0}})
    c1.customer("What does the Pro plan cost?")
    c1.answer(grounded=True)
    c1.survey(trigger="inactive")
    return log
