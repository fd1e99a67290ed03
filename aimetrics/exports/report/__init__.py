"""``aimetrics report``: the leadership ROI one-pager and its appendix.

:mod:`.model` says what the report says (figures, sentences, notes, as data);
:mod:`.html` lays it out as one self-contained HTML document (:mod:`.charts` draws its
charts); :mod:`.pdf` prints that document with headless Chromium.
"""
