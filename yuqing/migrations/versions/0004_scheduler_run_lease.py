"""scheduler runs hold a lease: a run whose runner died is taken over

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 20:20:00
"""
from alembic import op
import sqlalchemy as sa
import yuqing.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', yuqing.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
