"""Batch analysis for coaches: many clips, one summary, athlete history.

``formcheck batch`` (:mod:`formcheck.cli.batch`) expands its inputs into
:class:`~formcheck.batch.records.ClipJob` s (:mod:`formcheck.batch.inputs`), analyses
each in a worker process or on a Dask cluster (:mod:`formcheck.batch.runner`), and
writes per-clip outputs, ``summary.csv``/``summary.html``
(:mod:`formcheck.batch.summary`) and the history database (:mod:`formcheck.history`).
"""
