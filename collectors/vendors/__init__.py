"""AI vendors' own usage and cost APIs (Anthropic now; Cursor, OpenAI and GitHub billing next).

Shared by every vendor: ``http`` (one client: retries with backoff on 429 and 5xx honouring
``Retry-After``, a bounded number of them, one line for a refused key, ``has_more`` paging)
and ``days`` (which days to fetch: those not stored yet plus a look-back, recorded in
``sync_state`` in the same transaction as the day's rows, so a killed run resumes). Each
vendor module maps its answers to store rows and wires the two together.
"""

from collectors.vendors.http import (
    RetryPolicy,
    VendorAuthError,
    VendorClient,
    VendorError,
    VendorUnavailable,
)

__all__ = ["RetryPolicy", "VendorAuthError", "VendorClient", "VendorError", "VendorUnavailable"]
