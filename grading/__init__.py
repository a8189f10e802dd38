"""Grading: relevant posts grouped into events, each event graded on the four-level scale.

* :mod:`.grouping` — which event a post is about (incremental, across sources and days);
* :mod:`.events` — stored events: their figures, level changes, merges and splits by hand;
* :mod:`.signals`, :mod:`.spread`, :mod:`.rubric` — the SPEC §4 rubric as rules (floors and caps);
* :mod:`.features`, :mod:`.severity` — the scikit-learn severity model and the reasons of a grade;
* :mod:`.corpus`, :mod:`.retrain` — our labelled training events and retraining with corrections;
* :mod:`.routing` — who leads and who is informed at each level;
* :mod:`.api`, :mod:`.cli` — what other stages and the command line call (posts given as JSON lines are
  read by :mod:`yuqing.intake`).
"""
