"""Reports: the daily digest (舆情日报), the monthly report (月报), the 舆情简报, their charts and archive.

The last stage: it only reads what the earlier stages stored (posts, events,
alerts and their clock) and writes documents in the 公文 layout; it sends them
through the alerts stage's notification outbox.
"""
