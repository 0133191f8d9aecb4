"""Use cases: ``(session, actor, ..., now) -> result``; they flush, never commit.

The API and the scheduler both call these, so every rule runs the same way from either.
"""
