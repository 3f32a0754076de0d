"""Survey answers and answer feedback on the Rasa side: shared by the web and Slack channels."""
