"""yuqing — 舆情监测与分级处置: public-opinion monitoring for Chinese local government offices.

Pipeline (data flows one way): crawlers → classify → grading → alerts → reports.
The shared core lives here: configuration, domain words, models, storage,
command line, web app and scheduler.
"""
__version__ = "0.1.0"
