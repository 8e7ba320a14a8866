"""/docs in Debian's Chromium, under the page's own CSP: Swagger UI renders
the API and, opened and tried, breaks no directive of the policy (the
console logs no error), and it offers no unlabelled field of its own.

The page comes from the app through Flask's test client
(`browser_support.through_test_client`): no server, no port."""

from __future__ import annotations

from tests.integration.browser_support import through_test_client

UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(i => i.type !== 'hidden' && !(i.labels && i.labels.length)
    && !i.getAttribute('aria-label') && !i.getAttribute('aria-labelledby'))
  .map(i => i.id || i.className)"""


def test_the_docs_run_under_their_policy_without_a_violation(client, browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    base = through_test_client(context, client)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{base}/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    public = page.locator(".opblock-get", has=page.locator('[data-path="/v1/programs"]')).first
    public.locator(".opblock-summary").click()
    public.get_by_text("Try it out").click()
    public.get_by_text("Execute").click()
    page.wait_for_selector(".responses-wrapper .live-responses-table", timeout=10_000)

    assert "Lab Ledger" in page.inner_text(".information-container")
    assert errors == []
    assert "download-url-input" not in page.evaluate(UNLABELLED)
    context.close()
