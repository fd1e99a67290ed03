"""``aimetrics report``: the leadership ROI one-pager and its appendix.

What the report says: :mod:`.model` (figures and sentences, as data) and :mod:`.notes` (the
method notes). How it looks: :mod:`.html` lays it out as one self-contained HTML document,
with :mod:`.charts`, :mod:`.cells` (data tables) and :mod:`.style` (CSS, chart script);
:mod:`aimetrics.exports.pdf` prints that document with headless Chromium.
"""
