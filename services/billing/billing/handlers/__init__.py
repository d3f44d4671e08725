"""Billing's units of work: each opens a transaction, loads, applies the rules of `domain`, writes its
state and its events together (outbox), and commits."""
