"""Retrieval evaluation on BEIR-format sets: the product against the tutorial stack."""
