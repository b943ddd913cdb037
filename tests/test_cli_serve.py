"""``ptdv serve --production``: which server, how many processes and threads, and the proxy's
headers believed from the proxy only."""

import pytest

from ptdv.cli import ProductionServer, ProxyHeaders, production_options


def test_gunicorn_one_process_per_core_by_default():
    options = production_options(["127.0.0.1:9000"], environ={}, cpus=2)
    assert options == ProductionServer("gunicorn", "127.0.0.1", 9000, workers=2, threads=4)


def test_workers_and_threads_from_the_environment():
    environ = {"PTDV_WEB_WORKERS": "5", "PTDV_WEB_THREADS": "1"}
    options = production_options([], environ=environ, cpus=2)
    assert options == ProductionServer("gunicorn", "127.0.0.1", 8000, workers=5, threads=1)


def test_waitress_on_request():
    options = production_options(["0.0.0.0:8000", "--waitress"], environ={}, cpus=4)
    assert options == ProductionServer("waitress", "0.0.0.0", 8000, workers=1, threads=8)


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_worker_count_that_is_not_a_positive_number_is_refused(value):
    with pytest.raises(SystemExit, match="PTDV_WEB_WORKERS"):
        production_options([], environ={"PTDV_WEB_WORKERS": value}, cpus=2)


def test_an_unknown_option_is_refused():
    with pytest.raises(SystemExit):
        production_options(["--workers=3"], environ={}, cpus=2)


def _seen(remote_addr: str, **headers) -> dict:
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    environ = {"REMOTE_ADDR": remote_addr, "wsgi.url_scheme": "http", **headers}
    ProxyHeaders(app, "127.0.0.1")(environ, None)
    return seen


def test_the_proxy_gives_the_client_address_and_the_scheme():
    seen = _seen(
        "127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="elsewhere.example",
    )
    assert seen["REMOTE_ADDR"] == "203.0.113.7"
    assert seen["wsgi.url_scheme"] == "https"
    assert seen["HTTP_X_FORWARDED_PROTO"] == "https"
    assert "HTTP_X_FORWARDED_HOST" not in seen


def test_anyone_else_forwarding_headers_are_dropped():
    seen = _seen("198.51.100.9", HTTP_X_FORWARDED_FOR="10.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    assert seen["REMOTE_ADDR"] == "198.51.100.9"
    assert seen["wsgi.url_scheme"] == "http"
    assert "HTTP_X_FORWARDED_FOR" not in seen
    assert "HTTP_X_FORWARDED_PROTO" not in seen
