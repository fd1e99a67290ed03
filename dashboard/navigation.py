"""The dashboard's pages: one list for the app's navigation, the tests and the benchmarks.

Streamlit imports nothing here but the names; ``app.py`` turns each entry into an ``st.Page``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    file: str  # relative to dashboard/
    title: str
    icon: str
    url_path: str  # "" for the default page

    @property
    def key(self) -> str:
        """The short name tests and benchmarks use: the url path, or ``overview``."""
        return self.url_path or "overview"


PAGES = (
    PageEntry("app_pages/overview.py", "Overview", ":material/dashboard:", ""),
    PageEntry("app_pages/adoption.py", "Adoption", ":material/group_add:", "adoption"),
    PageEntry("app_pages/seats_usage.py", "Seats & usage", ":material/badge:", "seats"),
    PageEntry("app_pages/delivery.py", "Delivery", ":material/local_shipping:", "delivery"),
    PageEntry("app_pages/quality.py", "Quality", ":material/verified:", "quality"),
    PageEntry("app_pages/cost_roi.py", "Cost & ROI", ":material/payments:", "cost_roi"),
    PageEntry("app_pages/data_page.py", "Data", ":material/database:", "data"),
)
