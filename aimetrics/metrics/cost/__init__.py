"""AI spend: what the AI tools cost, per tool and month, with nothing counted twice.

Definitions and formulas: ``docs/metrics.md`` ("Cost"). In short:

- **Spend lines** (:func:`spend_lines`) come from three kinds of source: seat
  plans (the configuration's, or the store's ``seat_plans``) prorated by day;
  seats collected from an API (``seat_assignments`` of source ``github`` or ``cursor``) priced
  by their plan; and cost records (imported billing and cost exports).
- Each line is a **seats** charge (a seat licence) or a **usage** charge.
- For a tool and component one **basis** is used, decided per calendar month for
  seats (billed records > API seats priced by plan > seat plans > estimated
  records) and per day for usage (billed records > estimated records), so API data
  and file imports overlapping on some days count each day once. Two exports of one
  vendor that describe the same charges (two *feeds*, e.g. GitHub's usage report
  and its AI-credit report) are not added: per day the API's, else the larger.
- Every line and figure says its basis; money is converted into the reporting
  currency with ``reporting.exchange_rates`` and never mixed silently.

Everything here is a pure function of LazyFrames, by topic:

- :mod:`.lines`: spend lines, the basis chosen per tool and day or month, currencies;
- :mod:`.spend`: a period's spend, in total and per merged PR or engineer;
- :mod:`.teams`: spend allocated to teams;
- :mod:`.seats`: seat plans and holders from the configuration, idle seats.
"""
