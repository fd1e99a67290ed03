"""Optional sign-in: with an ``[auth]`` section in ``.streamlit/secrets.toml`` the app shows
nothing until the visitor has signed in through the configured OpenID Connect provider
(``st.login``); without one it is open, as before.

It fails closed: a secrets file that cannot be read, or ``[auth]`` without the Authlib
package ``st.login`` needs, shows an error and nothing else.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import streamlit as st

AUTH_SECTION = "auth"
DEFAULT_PROVIDER = "default"


def _secrets_file_present() -> bool:
    paths = st.get_option("secrets.files") or []
    return any(Path(p).is_file() for p in paths)


def auth_section() -> dict[str, object] | None:
    """The ``[auth]`` section of the secrets (None: sign-in is not configured).

    Raises ``RuntimeError`` when a secrets file exists but cannot be read.
    """
    secrets = st.secrets  # read at call time: tests replace it
    if not secrets.load_if_toml_exists():
        if _secrets_file_present():
            raise RuntimeError("the secrets file (.streamlit/secrets.toml) cannot be read")
        return None
    section = secrets.get(AUTH_SECTION)
    return dict(section) if section else None


def providers(section: dict[str, object]) -> list[str]:
    """The providers to offer: named sub-sections (``[auth.google]``), else the default one."""
    named = [name for name, value in section.items() if hasattr(value, "keys")]
    return named or [DEFAULT_PROVIDER]


def authlib_installed() -> bool:
    return importlib.util.find_spec("authlib") is not None


def logged_in() -> bool:
    return bool(st.user.get("is_logged_in", False))


def require_login() -> None:
    """Stop the script run until the visitor has signed in, when ``[auth]`` is configured;
    then offer a sign-out button in the sidebar."""
    try:
        section = auth_section()
    except RuntimeError as exc:
        st.error(f"Sign-in cannot be checked: {exc}.", icon=":material/lock:")
        st.stop()
    if section is None:
        return
    if not logged_in():
        st.title("aimetrics")
        st.markdown("This dashboard is private: sign in to see your organization's figures.")
        if not authlib_installed():
            st.error(
                "Sign-in is configured ([auth] in .streamlit/secrets.toml) but the Authlib "
                "package it needs is missing: `pip install 'streamlit[auth]'`.",
                icon=":material/lock:",
            )
            st.stop()
        for name in providers(section):
            label = "Sign in" if name == DEFAULT_PROVIDER else f"Sign in with {name.title()}"
            args = () if name == DEFAULT_PROVIDER else (name,)
            st.button(label, key=f"login-{name}", on_click=st.login, args=args, type="primary")
        st.stop()
    who = st.user.get("name") or st.user.get("email") or "signed in"
    st.sidebar.caption(f":material/account_circle: {who}")
    st.sidebar.button("Sign out", key="logout", on_click=st.logout, icon=":material/logout:")


def is_administrator(administrators: list[str]) -> bool:
    """True for a signed-in visitor whose e-mail ``privacy.administrators`` lists; never
    without sign-in configured (an open dashboard has no one to trust with names)."""
    try:
        configured = auth_section() is not None
    except RuntimeError:
        return False
    email = str(st.user.get("email") or "").strip().lower()
    allowed = {a.strip().lower() for a in administrators}
    return configured and logged_in() and bool(email) and email in allowed
