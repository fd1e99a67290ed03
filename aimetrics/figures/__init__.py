"""The figures layer: what a dashboard page or an export shows, between the pure metrics
(:mod:`aimetrics.metrics`) and the two presenters (``dashboard/``, :mod:`aimetrics.exports`).

Pure composition over the store reads and the metric functions, with no Streamlit in it, so
that the dashboard (which caches these), ``aimetrics export csv`` and ``aimetrics report``
compute the same figures with the same privacy rules:

- the store edge: :mod:`~aimetrics.figures.facts` reads the store once into
  :class:`~aimetrics.figures.facts.Facts` (:func:`~aimetrics.figures.facts.load_facts`,
  or :func:`~aimetrics.figures.facts.load_facts_for` with a configuration's settings), with
  :mod:`~aimetrics.figures.store_reads` (commits and links read in parts, the latest merge,
  the Copilot usage reports) and :mod:`~aimetrics.figures.tags` (the explain view);
- the view: :mod:`~aimetrics.figures.view` (:class:`~aimetrics.figures.view.View`: period,
  selection, time zone and week, privacy and statistics settings;
  :class:`~aimetrics.figures.view.Money`; the non-AI bots; the default period),
  :mod:`~aimetrics.figures.selection` (a view's rows, grouped) and
  :mod:`~aimetrics.figures.folds` (small groups folded, small cells hidden, with
  a :class:`~aimetrics.figures.folds.PrivacyNote` of what was left out);
- page-shaped results, one module per page family: :mod:`~aimetrics.figures.overview`
  (and the team map), :mod:`~aimetrics.figures.cost` (spend, ROI),
  :mod:`~aimetrics.figures.measured` (the measured uplift: the same number everywhere),
  :mod:`~aimetrics.figures.tool_share` (a tool's share of the measured value),
  :mod:`~aimetrics.figures.seats`, :mod:`~aimetrics.figures.adoption`,
  :mod:`~aimetrics.figures.copilot`, :mod:`~aimetrics.figures.delivery`,
  :mod:`~aimetrics.figures.quality`, :mod:`~aimetrics.figures.data_page`;
- :mod:`~aimetrics.figures.compute`: every figure of one period and selection at once
  (:class:`~aimetrics.figures.compute.Figures`), what the exports write.

Nothing here imports the dashboard or the exports; :mod:`aimetrics.metrics` never imports it.
"""
