"""Alerts: the seven-step procedure against the 12-hour clock, and the notifications it sends.

- :mod:`~yuqing.alerts.workflow` — the steps as transitions (the only code that changes an alert)
- :mod:`~yuqing.alerts.base` — what every action shares: a session's deployment, the actor, the errors
- :mod:`~yuqing.alerts.statements` — 通稿 versions: drafting, which approved version counts
- :mod:`~yuqing.alerts.review` — 三审三校: the three reviews of a version; the final one records step 5
- :mod:`~yuqing.alerts.liaison` — 舆情联系单: sent to the responsible unit, answered, marked overdue
- :mod:`~yuqing.alerts.api` — ``sync_alerts`` and ``check_deadlines`` for the pipeline and scheduler; the queue
- :mod:`~yuqing.alerts.clock` — time left, 迟报 and 漏报
- :mod:`~yuqing.alerts.permissions` — the role → permission table
- :mod:`~yuqing.alerts.notify` — e-mail, 企业微信, 钉钉 and JSON webhooks
- :mod:`~yuqing.alerts.routing` — who hears about an alert at each level
- :mod:`~yuqing.alerts.corrections` — monitors' label and level corrections
- :mod:`~yuqing.alerts.models` — 通稿 versions and reviews, 联系单, the delivery log

The daily digest and the monthly report read what alerts store; they live in the next stage,
:mod:`yuqing.reports`.
"""
