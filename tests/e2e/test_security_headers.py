"""The security headers as Chromium reads them: every feature Permissions-Policy names
is one it knows, and no header draws a warning (Chromium only warns, so the console
error checks elsewhere would miss it)."""

import pytest
from django.urls import reverse

from tests.factories import make_article


@pytest.mark.parametrize("path", ["home", "article", "admin"])
def test_the_headers_draw_no_console_warning(live_server, page, path):
    article = make_article(title="Understanding withdrawal", sections=2, faqs=1)
    url = {"home": "/", "article": article.get_absolute_url(), "admin": reverse("admin:login")}
    warnings = []
    page.on(
        "console",
        lambda message: message.type in ("warning", "error") and warnings.append(message.text),
    )

    response = page.goto(f"{live_server.url}{url[path]}")

    assert response.status == 200
    assert "camera=()" in response.headers["permissions-policy"]
    assert warnings == []
