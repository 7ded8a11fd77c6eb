"""make lint's dependency audit: which pin it asks PyPI about, and when it skips."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts import audit_dependencies


def test_the_first_pinned_requirement_is_asked_about():
    text = "# Runtime dependencies.\n-r base.txt\nDjango==5.2.19\npsycopg2-binary==2.9.13\n"

    assert audit_dependencies.first_pin(text) == ("Django", "5.2.19")
    assert audit_dependencies.first_pin("# nothing pinned\nDjango>=5\n") is None


class Answer(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/pypi/django/5.2.19/json" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_index():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_only_a_200_counts_as_an_answer(local_index):
    assert audit_dependencies.answers(f"{local_index}/pypi/django/5.2.19/json")
    # A mirror that does not know the pinned version.
    assert not audit_dependencies.answers(f"{local_index}/pypi/django/9.9/json")


def test_nothing_listening_is_no_answer(local_index):
    server_gone = local_index.rsplit(":", 1)[0] + ":1"

    assert not audit_dependencies.answers(f"{server_gone}/pypi/django/5.2.19/json", timeout=1)
