"""The decision log: hash-chained audit events, verification, export and retention.

Public API: `Event`, `append(session, db, event, at)`, `verify(db) -> VerifyReport`,
`export(db, out, fmt, since)`, `purge(db, clock, older_than)`.
"""
