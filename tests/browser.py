"""A real browser for the tests: Playwright driving the Debian Chromium (`make` installs it;
Playwright's own browser downloads cannot work here), headless, with no network of its own."""

from __future__ import annotations

import contextlib

from reports.render import chromium_binary

ARGUMENTS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@contextlib.contextmanager
def browser_page(width: int, height: int = 900):
    """A page of a viewport `width` px wide, in a new browser profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_binary(), args=ARGUMENTS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()
