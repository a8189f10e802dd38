"""alert procedure, reports archive, scheduler and duty tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:48:36.215474
"""
from alembic import op
import sqlalchemy as sa
import yuqing.models


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('duty_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('start_at', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('end_at', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('duty_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_periods_end_at'), ['end_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_periods_start_at'), ['start_at'], unique=False)

    op.create_table('notification_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('kind_of_message', sa.String(length=30), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_deliveries_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_deliveries_at'), ['at'], unique=False)

    op.create_table('report_archive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('window_start', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('window_end', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('generated_at', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('generated_by', sa.String(length=40), nullable=False),
    sa.Column('html_path', sa.Text(), nullable=False),
    sa.Column('docx_path', sa.Text(), nullable=False),
    sa.Column('charts', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('scheduled_for', yuqing.models.UTCDateTime(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sent_at', yuqing.models.UTCDateTime(), nullable=True),
    sa.Column('deliveries', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('report_archive', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_archive_generated_at'), ['generated_at'], unique=False)
        batch_op.create_index('ix_report_archive_period', ['kind', 'period'], unique=False)

    op.create_table('scheduler_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=80), nullable=False),
    sa.Column('scheduled_at', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=False),
    sa.Column('started_at', yuqing.models.UTCDateTime(), nullable=True),
    sa.Column('finished_at', yuqing.models.UTCDateTime(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('late_seconds', sa.Integer(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_id', 'scheduled_at', name='uq_scheduler_run')
    )
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_runs_job_id'), ['job_id'], unique=False)

    op.create_table('liaison_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('sent_by', sa.String(length=40), nullable=False),
    sa.Column('sent_at', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('due_at', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('answered_at', yuqing.models.UTCDateTime(), nullable=True),
    sa.Column('answered_by', sa.String(length=40), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('overdue_at', yuqing.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('liaison_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_forms_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_liaison_forms_due_at'), ['due_at'], unique=False)

    op.create_table('reminder_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('mark', sa.String(length=40), nullable=False),
    sa.Column('at', yuqing.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alert_id', 'kind', 'mark', name='uq_reminder_mark')
    )
    with op.batch_alter_table('reminder_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_marks_alert_id'), ['alert_id'], unique=False)

    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('drafted_by', sa.String(length=40), nullable=False),
    sa.Column('drafted_at', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('approved_at', yuqing.models.UTCDateTime(), nullable=True),
    sa.Column('approved_by', sa.String(length=40), nullable=True),
    sa.Column('approval_body', sa.String(length=60), nullable=True),
    sa.Column('level_at_approval', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['statements.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alert_id', 'version', name='uq_statement_version')
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_status'), ['status'], unique=False)

    op.create_table('statement_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=12), nullable=False),
    sa.Column('by_user', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('capacity', sa.String(length=60), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', yuqing.models.UTCDateTime(), nullable=False),
    sa.Column('revised_to_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['revised_to_id'], ['statements.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statement_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_reviews_statement_id'), ['statement_id'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_queue', ['status', 'level', 'replied_at', 'deadline_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_queue')

    with op.batch_alter_table('statement_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_reviews_statement_id'))

    op.drop_table('statement_reviews')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statements_status'))
        batch_op.drop_index(batch_op.f('ix_statements_alert_id'))

    op.drop_table('statements')
    with op.batch_alter_table('reminder_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_marks_alert_id'))

    op.drop_table('reminder_marks')
    with op.batch_alter_table('liaison_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_forms_due_at'))
        batch_op.drop_index(batch_op.f('ix_liaison_forms_alert_id'))

    op.drop_table('liaison_forms')
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_runs_job_id'))

    op.drop_table('scheduler_runs')
    with op.batch_alter_table('report_archive', schema=None) as batch_op:
        batch_op.drop_index('ix_report_archive_period')
        batch_op.drop_index(batch_op.f('ix_report_archive_generated_at'))

    op.drop_table('report_archive')
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_deliveries_at'))
        batch_op.drop_index(batch_op.f('ix_notification_deliveries_alert_id'))

    op.drop_table('notification_deliveries')
    with op.batch_alter_table('duty_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_periods_start_at'))
        batch_op.drop_index(batch_op.f('ix_duty_periods_end_at'))

    op.drop_table('duty_periods')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
