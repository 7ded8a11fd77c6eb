def test_home_page_renders_in_chromium(live_server, page):
    page.goto(live_server.url)

    assert page.locator("h1").first.is_visible()
    assert page.console_errors == []
