"""Report indexes and tables: period-first covering indexes, the digest job, the daily roll-up.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:00:00

Mirrors bot/reports/indexes.py, jobs.py and rollup.py (which attach the same
objects to the models, so create_all builds them too).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_report_check_at", "check_record", ["at", "verdict", "department", "actor"]),
    ("ix_report_question_at", "question_record", ["at", "answered", "department", "actor"]),
    ("ix_report_submission_created", "submission", ["created_at", "department"]),
    ("ix_report_submission_decided", "submission", ["decided_at", "state", "department", "created_at"]),
    ("ix_report_submission_escalated", "submission", ["escalated_at", "department"]),
    ("ix_report_vote_cast", "vote", ["cast_at", "approver"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.create_table('report_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'key', name='uq_report_job')
    )
    op.create_index('ix_report_job_due', 'report_job', ['done_at', 'due_at'], unique=False)
    op.create_table('report_daily',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('day', sa.DateTime(timezone=True), nullable=False),
    sa.Column('department', sa.String(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'day', 'department', 'key')
    )
    op.create_table('report_watermark',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('report_watermark')
    op.drop_table('report_daily')
    op.drop_index('ix_report_job_due', table_name='report_job')
    op.drop_table('report_job')
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
