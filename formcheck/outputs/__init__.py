"""What a runner or coach gets from an analysis, besides the CLI table.

- :mod:`~formcheck.outputs.annotate`: annotators, one drawing concern each.
- :mod:`~formcheck.outputs.video`: the annotated video (``write_annotated_video``).
- :mod:`~formcheck.outputs.plots`: PNG plots (matplotlib, Agg).
- :mod:`~formcheck.outputs.html`: the self-contained HTML report (``render_html``).
- :mod:`~formcheck.outputs.bundle`: everything in one folder, atomically
  (``write_outputs``).

Submodules are imported on demand, so drawing does not pull in matplotlib.
"""

#: The list of files formcheck wrote into an output folder (relative paths, JSON),
#: kept in the folder itself. A rerun removes only files this list names
#: (:mod:`~formcheck.outputs.bundle`), and a batch never takes a listed file as a clip
#: (:mod:`formcheck.batch.inputs`). Defined here, not in ``bundle``, so reading it does
#: not import the drawing code.
MANIFEST = ".formcheck-files.json"
