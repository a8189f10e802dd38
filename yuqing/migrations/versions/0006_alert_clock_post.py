"""an alert says which post started its clock, and who corrected the start and why

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 05:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock_post_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('clock_by', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('clock_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('clock_reason')
        batch_op.drop_column('clock_by')
        batch_op.drop_column('clock_post_id')
