"""Indexes the reports need, mirrored by migration 0004_report_indexes.

Each report query scans one period of one table; these put the period column
first and carry the columns the aggregate reads, so PostgreSQL answers from the
index alone and SQLite reads no table rows. Importing this module attaches them
to the tables, so `create_all` (tests, benchmarks) builds them too.
"""

from __future__ import annotations

from sqlalchemy import Index

from bot.store.tables import CheckRecord, QuestionRecord, Submission, Vote

REPORT_INDEXES = (
    Index("ix_report_check_at", CheckRecord.__table__.c.at, CheckRecord.__table__.c.verdict,  # type: ignore[attr-defined]
          CheckRecord.__table__.c.department, CheckRecord.__table__.c.actor),  # type: ignore[attr-defined]
    Index("ix_report_question_at", QuestionRecord.__table__.c.at,  # type: ignore[attr-defined]
          QuestionRecord.__table__.c.answered, QuestionRecord.__table__.c.department,  # type: ignore[attr-defined]
          QuestionRecord.__table__.c.actor),  # type: ignore[attr-defined]
    Index("ix_report_submission_created", Submission.__table__.c.created_at,  # type: ignore[attr-defined]
          Submission.__table__.c.department),  # type: ignore[attr-defined]
    Index("ix_report_submission_decided", Submission.__table__.c.decided_at,  # type: ignore[attr-defined]
          Submission.__table__.c.state, Submission.__table__.c.department,  # type: ignore[attr-defined]
          Submission.__table__.c.created_at),  # type: ignore[attr-defined]
    Index("ix_report_submission_escalated", Submission.__table__.c.escalated_at,  # type: ignore[attr-defined]
          Submission.__table__.c.department),  # type: ignore[attr-defined]
    Index("ix_report_vote_cast", Vote.__table__.c.cast_at, Vote.__table__.c.approver),  # type: ignore[attr-defined]
)
