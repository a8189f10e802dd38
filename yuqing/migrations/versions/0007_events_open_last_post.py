"""grading finds the open events in reach by one index range (status, last post) rather than a scan

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 08:45:00
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_events_open_last_post', 'events', ['status', 'last_post_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_events_open_last_post', table_name='events')
