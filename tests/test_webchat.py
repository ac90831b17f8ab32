"""The web widget in headless Chromium (Debian's chromium, driven by Playwright)."""
import os
import shutil
import time
from pathlib import Path

import pytest

from ops.web import WebServer

pytestmark = [pytest.mark.servers, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def web(stack):
    server = WebServer(dict(stack.env)).start()  # on the port whose origin the Rasa server allows (CORS)
    yield f"http://127.0.0.1:{server.port}/"
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    assert os.path.exists(CHROMIUM), "chromium is missing: `make test` installs it with apt-get"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1000, "height": 900})
    pg = ctx.new_page()
    dialogs = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    ctx.close()


def bot_messages(page):
    return page.locator(".lc-bot")


def send(page, text):
    page.fill("#lc-input", text)
    page.press("#lc-input", "Enter")


def test_chat_emergency_banner_and_history_after_reload(page, web):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(web)
    page.wait_for_selector(".lc-bot >> text=automated assistant", timeout=30000)
    send(page, "my legs feel weak")
    # how fast it began is unknown: the emergency questions first, as quick replies
    page.wait_for_selector(".lc-bot >> text=rule out an emergency", timeout=30000)
    page.wait_for_selector("#lc-replies button >> text=Not sure", timeout=30000)
    assert page.locator("#lc-banner").is_hidden()
    page.locator('#lc-replies button >> text="No"').click()  # exactly "No", not "Not sure"
    page.wait_for_selector("#lc-replies button >> text=Gradually", timeout=30000)
    assert page.locator("#lc-banner").is_hidden()

    send(page, "my face is drooping and my left arm is weak")
    banner = page.locator("#lc-banner")
    banner.wait_for(state="visible", timeout=30000)
    assert "Call 112 now" in banner.inner_text()
    assert page.locator(".lc-msg.lc-emergency").count() >= 1
    # the README shows a copy of this screenshot (docs/webchat.png)
    page.screenshot(path=str(ARTIFACTS / "webchat-emergency.png"), full_page=True)

    before = page.locator(".lc-msg").count()
    page.reload()
    page.wait_for_selector(".lc-msg", timeout=10000)
    assert page.locator(".lc-msg").count() == before  # the conversation is kept
    assert page.locator("#lc-banner").is_visible()
    # and the same session continues on the server
    send(page, "I already called")
    page.wait_for_selector(".lc-bot >> text=help is on the way", timeout=30000)


def test_markup_is_shown_as_text_never_run(page, web):
    page.goto(web)
    page.wait_for_selector(".lc-bot", timeout=30000)
    attack = "<img src=x onerror=alert(1)>"
    send(page, attack)
    page.wait_for_selector(".lc-user >> text=<img src=x onerror=alert(1)>", timeout=10000)
    page.wait_for_timeout(1500)
    assert page.locator(".lc-log img").count() == 0
    assert page.dialogs == []
    send(page, "<script>alert('x')</script> my legs are weak")
    page.wait_for_timeout(1500)
    assert page.locator(".lc-log script").count() == 0 and page.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "webchat-markup-as-text.png"))


def test_keyboard_only_and_quick_replies(page, web):
    page.goto(web)
    page.wait_for_selector(".lc-bot", timeout=30000)
    page.keyboard.press("Tab")  # first focusable control on the page is the input
    page.keyboard.type("my right leg has been weak for two weeks, gradually")
    page.keyboard.press("Enter")
    page.wait_for_selector("#lc-replies button >> text=Not sure", timeout=30000)
    page.focus("#lc-replies button >> text=No")
    page.keyboard.press("Enter")
    page.wait_for_selector(".lc-user >> text=No", timeout=10000)
    # screen readers: a labelled input, a polite live log, an alert banner
    assert page.get_attribute("#lc-log", "role") == "log"
    assert page.get_attribute("#lc-log", "aria-live") == "polite"
    assert page.get_attribute("#lc-banner", "role") == "alert"
    assert page.locator("label[for=lc-input]").count() == 1


def test_phone_width(browser, web):
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    pg = ctx.new_page()
    pg.goto(web)
    pg.wait_for_selector(".lc-bot", timeout=30000)
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = pg.locator("#lc-form button").bounding_box()
    assert box["height"] >= 44  # large enough to tap
    pg.screenshot(path=str(ARTIFACTS / "webchat-phone.png"))
    ctx.close()


def test_no_outside_resources(web):
    import urllib.request
    html = urllib.request.urlopen(web).read().decode()
    assert "http" not in html.replace("http-equiv", "")  # every script and style is served from here
    with urllib.request.urlopen(web + "vendor/socket.io.min.js") as r:
        assert r.status == 200 and "default-src 'self'" in r.headers["Content-Security-Policy"]


def test_closing_the_page_logs_no_server_error(browser, web, stack):
    """engine.io + Sanic log "Invalid response type None" when a websocket closes, unless handled."""
    log = stack.services["rasa"].log
    start = log.stat().st_size
    ctx = browser.new_context()
    pg = ctx.new_page()
    pg.goto(web)
    pg.wait_for_selector(".lc-bot >> text=automated assistant", timeout=30000)
    pg.fill("#lc-input", "hello")
    pg.press("#lc-input", "Enter")
    pg.locator(".lc-bot").nth(1).wait_for(timeout=30000)  # the reply to "hello"
    ctx.close()  # the websocket closes
    time.sleep(2)
    with open(log, "rb") as f:
        f.seek(start)
        new = f.read().decode(errors="replace")
    assert "Invalid response type" not in new
    assert "Exception occurred while handling uri" not in new
