"""``aimetrics report``: the leadership report, page 1 and its appendix.

What the report says: :mod:`.model` (figures and sentences, as data), :mod:`.verdict` (page 1's
three sentences) and :mod:`.notes` (the method notes). How it looks: :mod:`.html` makes one
self-contained HTML document of :mod:`.onepager` (verdict, team action table, trend) and
:mod:`.appendix` (every figure in full), written into a :mod:`.document` with :mod:`.charts`,
:mod:`.cells` (data tables) and :mod:`.style` (CSS, chart script);
:mod:`aimetrics.exports.pdf` prints that document with headless Chromium.
"""
