"""What a runner or coach gets from an analysis, besides the CLI table.

- :mod:`~formcheck.outputs.annotate`: annotators, one drawing concern each.
- :mod:`~formcheck.outputs.video`: the annotated video (``write_annotated_video``).
- :mod:`~formcheck.outputs.plots`: PNG plots (matplotlib, Agg).
- :mod:`~formcheck.outputs.html`: the self-contained HTML report (``render_html``).
- :mod:`~formcheck.outputs.bundle`: everything in one folder, atomically
  (``write_outputs``).

Submodules are imported on demand, so drawing does not pull in matplotlib.
"""
