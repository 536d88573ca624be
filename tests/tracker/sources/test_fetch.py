"""fetch() against a loopback server: conditional GET, caps, gzip, timeouts, statuses."""

import contextlib
import functools
import gzip
import http.server
import socket
import threading
import time
import tracemalloc
import uuid
import zlib

import pytest

from tracker.sources import fetch as fetching
from tracker.sources.base import FetchError, HTTPStatusError, IngestError, ParseError, TooLarge

# The test servers listen on 127.0.0.1: allowed here, as an operator would allow a host.
LOOPBACK = frozenset({"127.0.0.1"})
fetch = functools.partial(fetching.fetch, allowed_hosts=LOOPBACK)

FEED = b"<rss version='2.0'><channel><title>Feed</title></channel></rss>"
ETAG = '"v1"'
LAST_MODIFIED = "Wed, 11 Sep 2024 10:00:00 GMT"
MB = 2**20


def gzip_bomb(size=64 * MB) -> bytes:
    """`size` zero bytes, gzipped in blocks so that making it costs little memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(MB)
    return b"".join([*(packer.compress(block) for _ in range(size // MB)), packer.flush()])


class Handler(http.server.BaseHTTPRequestHandler):
    """One route per behaviour under test; `server.seen` records request headers."""

    def log_message(self, format, *args):
        pass  # keep the test output clean

    def do_GET(self):
        self.server.seen.append(dict(self.headers))
        path = self.path.partition("?")[0]  # a query only tells one request from another
        route = getattr(self, "route_" + path.strip("/").replace("-", "_"), None)
        if route is None:
            self.send_error(404)
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route()  # a client that gives up early does so on purpose

    def send(self, body, *, status=200, **headers):
        self.send_response(status)
        headers.setdefault("Content_Length", str(len(body)))
        for name, value in headers.items():
            if value is not None:
                self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def route_feed(self):
        if self.headers.get("If-None-Match") == ETAG or (
            self.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.end_headers()
            return
        self.send(FEED, ETag=ETAG, Last_Modified=LAST_MODIFIED)

    def route_charset(self):
        self.send(FEED, Content_Type="application/rss+xml; charset=Windows-1251")

    def route_big_announced(self):
        # Announces 10 GB, then sends it slowly: only an early refusal is quick.
        self.send_response(200)
        self.send_header("Content-Length", str(10 * 2**30))
        self.end_headers()
        for _ in range(50):
            self.wfile.write(bytes(1024))
            time.sleep(0.1)
        self.server.finished.add(self.path)

    def route_no_length(self):
        # HTTP/1.0 without Content-Length: the body ends when the connection closes.
        self.send_response(200)
        self.end_headers()
        for _ in range(4):
            self.wfile.write(bytes(MB))

    def route_chunked(self):
        self.protocol_version = "HTTP/1.1"
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for _ in range(4):
            self.wfile.write(b"%x\r\n%s\r\n" % (MB, bytes(MB)))
        self.wfile.write(b"0\r\n\r\n")

    def route_claims_less(self):
        self.send(b"a" * 100 + b"b" * 1000, Content_Length="100")

    def route_claims_more(self):
        self.send(b"only ten b", Content_Length="1000")

    def route_gzip(self):
        self.send(gzip.compress(FEED), Content_Encoding="gzip")

    def route_gzip_two_members(self):
        self.send(gzip.compress(b"first,") + gzip.compress(b"second"), Content_Encoding="gzip")

    def route_gzip_bomb(self):
        self.send(self.server.bomb, Content_Encoding="gzip")

    def route_not_gzip(self):
        self.send(b"this is not gzip at all", Content_Encoding="gzip")

    def route_gzip_cut(self):
        whole = gzip.compress(bytes(range(256)) * 64)
        self.send(whole[: len(whole) // 2], Content_Encoding="gzip")

    def route_brotli(self):
        self.send(b"\x0b\x02\x80hello\x03", Content_Encoding="br")

    def route_slow(self):
        # Answers only once the test has seen the client give up (or at teardown).
        self.server.release.wait(60)
        self.server.finished.add(self.path)
        self.send(FEED)

    def route_trickle(self):
        self.send_response(200)
        self.end_headers()
        for _ in range(40):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.05)  # the trickle itself: two seconds for 40 bytes
        self.server.finished.add(self.path)

    def route_error_500(self):
        self.send(b"oops", status=500)

    def route_unavailable(self):
        self.send(b"later", status=503, Retry_After="120")

    def route_too_many(self):
        self.send(b"slow down", status=429)

    def route_forbidden(self):
        self.send(b"no", status=403)

    def route_redirect(self):
        self.send(b"", status=302, Location="/feed")

    def route_redirect_file(self):
        self.send(b"", status=302, Location="file:///etc/passwd")

    def route_redirect_ftp(self):
        self.send(b"", status=302, Location="ftp://127.0.0.1/feed")

    def route_redirect_localhost(self):
        port = self.server.server_address[1]
        self.send(b"", status=302, Location=f"http://localhost:{port}/feed")


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.handle_error = lambda request, address: None  # clients hang up on purpose
    httpd.seen = []
    httpd.bomb = gzip_bomb()
    httpd.release = threading.Event()
    httpd.finished = set()  # the requests (path and query) that a slow route answered in full
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def url(server):
    host, port = server.server_address
    server.seen.clear()
    return lambda path: f"http://{host}:{port}{path}"


def test_ok_captures_body_etag_and_last_modified(url, server):
    result = fetch(url("/feed"))
    assert (result.status, result.body) == (200, FEED)
    assert result.etag == ETAG
    assert result.last_modified == LAST_MODIFIED
    assert result.url == url("/feed")
    headers = server.seen[-1]
    assert headers["User-Agent"] == "Entente/1.0"
    assert headers["Accept-Encoding"] == "gzip"
    assert "If-None-Match" not in headers


def test_the_servers_charset_is_kept(url):
    assert fetch(url("/charset")).charset == "windows-1251"
    assert fetch(url("/feed")).charset == ""  # http.server names no charset


def test_conditional_request_is_answered_304(url, server):
    result = fetch(url("/feed"), etag=ETAG, last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert (result.status, result.body) == (304, None)
    assert result.etag == ETAG
    # The 304 carried no Last-Modified: the one we sent stands.
    assert result.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert server.seen[-1]["If-None-Match"] == ETAG
    assert server.seen[-1]["If-Modified-Since"] == "Mon, 01 Jan 2024 00:00:00 GMT"


def test_if_modified_since_alone(url):
    assert fetch(url("/feed"), last_modified=LAST_MODIFIED).status == 304


def test_changed_etag_gets_the_body(url):
    result = fetch(url("/feed"), etag='"v0"')
    assert (result.status, result.body, result.etag) == (200, FEED, ETAG)


def test_user_agent_is_configurable(url, server):
    fetch(url("/feed"), user_agent="Entente-test/2")
    assert server.seen[-1]["User-Agent"] == "Entente-test/2"


def test_announced_length_over_the_cap_is_refused_before_reading(slow):
    address = slow("/big-announced")
    with pytest.raises(TooLarge, match="announces 10,737,418,240 bytes"):
        fetch(address, max_bytes=MB)
    assert not slow.finished(address)  # refused on the header, the body still coming


@pytest.mark.parametrize("path", ["/no-length", "/chunked"])
def test_streamed_body_over_the_cap_is_refused(url, path):
    with pytest.raises(TooLarge, match="sent more than the cap of 1,048,576 bytes"):
        fetch(url(path), max_bytes=MB)


@pytest.mark.parametrize("path", ["/no-length", "/chunked"])
def test_streamed_body_under_the_cap_is_read(url, path):
    assert fetch(url(path), max_bytes=8 * MB).body == bytes(4 * MB)


def test_a_server_claiming_less_is_read_to_its_claim(url):
    # HTTP framing: the bytes after the announced length are not part of the response.
    assert fetch(url("/claims-less")).body == b"a" * 100


def test_a_server_claiming_more_then_hanging_up_is_retryable(url):
    with pytest.raises(FetchError, match="closed the connection after 10 bytes, 990 short"):
        fetch(url("/claims-more"))


def test_gzip_is_decompressed(url):
    assert fetch(url("/gzip")).body == FEED


def test_multi_member_gzip_is_decompressed_whole(url):
    assert fetch(url("/gzip-two-members")).body == b"first,second"


def test_gzip_bomb_is_refused_without_inflating_it(url, server):
    assert len(server.bomb) < MB  # 64 MB of zeros
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="gzip that unpacks to more than the cap"):
            fetch(url("/gzip-bomb"), max_bytes=MB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MB


def test_invalid_gzip_is_a_parse_error(url):
    with pytest.raises(ParseError, match="not valid gzip"):
        fetch(url("/not-gzip"))


def test_gzip_cut_short_is_retryable(url):
    with pytest.raises(FetchError, match="stops early"):
        fetch(url("/gzip-cut"))


def test_unrequested_encoding_is_refused(url):
    with pytest.raises(IngestError, match="unsupported Content-Encoding: br") as caught:
        fetch(url("/brotli"))
    assert not isinstance(caught.value, FetchError)


@pytest.fixture
def slow(server):
    """slow(path): an address of that slow route for this request alone, and finished(url)
    whether the server sent all of its answer (a handler of an earlier test may still be
    trickling into a closed connection). A held answer is let go after the test."""
    host, port = server.server_address
    server.release.clear()

    class Slow:
        def __call__(self, path):
            return f"http://{host}:{port}{path}?request={uuid.uuid4().hex}"

        def finished(self, url):
            return url.removeprefix(f"http://{host}:{port}") in server.finished

    yield Slow()
    server.release.set()


def test_server_too_slow_to_answer_is_retryable(slow):
    address = slow("/slow")
    with pytest.raises(FetchError, match="did not answer within 0.3 s"):
        fetch(address, timeout=0.3)
    assert not slow.finished(address)  # the client's timeout ended it, not the server


def test_trickling_server_hits_the_total_time_limit(slow):
    address = slow("/trickle")
    with pytest.raises(FetchError, match="still sending"):
        fetch(address, timeout=5.0, total_timeout=0.5)
    assert not slow.finished(address)  # given up mid-body, at the total limit


def test_trickling_server_within_the_total_limit_is_read(slow):
    address = slow("/trickle")
    assert fetch(address, timeout=5.0).body == b"x" * 40
    assert slow.finished(address)


@pytest.mark.parametrize("path", ["/error-500", "/too-many"])
def test_server_errors_and_throttling_are_retryable(url, path):
    with pytest.raises(FetchError, match=r"HTTP (500|429)"):
        fetch(url(path))


def test_retry_after_is_passed_on(url):
    with pytest.raises(FetchError, match="HTTP 503") as caught:
        fetch(url("/unavailable"))
    assert caught.value.retry_after == 120.0


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/forbidden", 403)])
def test_client_errors_are_not_retryable(url, path, status):
    with pytest.raises(HTTPStatusError, match=f"HTTP {status}") as caught:
        fetch(url(path))
    assert caught.value.status == status
    assert not isinstance(caught.value, FetchError)


def test_redirect_is_followed_and_the_final_url_reported(url):
    result = fetch(url("/redirect"))
    assert (result.status, result.body, result.url) == (200, FEED, url("/feed"))


@pytest.mark.parametrize("path", ["/redirect-file", "/redirect-ftp"])
def test_redirect_to_another_scheme_is_refused(url, path):
    with pytest.raises(IngestError, match="Only http and https") as caught:
        fetch(url(path))
    assert not isinstance(caught.value, FetchError)


@pytest.mark.parametrize(
    "bad",
    ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/plain,hi", "/relative/feed", "http://"],
)
def test_only_http_and_https_urls_are_fetched(bad):
    with pytest.raises(IngestError, match="Only http and https"):
        fetch(bad)


def test_url_with_a_bad_port_is_refused_for_good():
    with pytest.raises(IngestError, match="Not a valid URL") as caught:
        fetch("http://127.0.0.1:http/feed")
    assert not isinstance(caught.value, FetchError)


def test_url_with_control_characters_is_refused():
    with pytest.raises(IngestError, match="control characters"):
        fetch("http://127.0.0.1/feed\r\nX-Injected: 1")


def test_connection_refused_is_retryable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now.
    with pytest.raises(FetchError, match="refused"):
        fetch(f"http://127.0.0.1:{port}/feed", timeout=2)


# --- No internal address ------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # a cloud's metadata service
        "0.0.0.0",
        "[::1]",
        "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
        "[fd00::1]",
        "224.0.0.1",
    ],
)
def test_an_internal_address_is_refused_before_any_connection(host, server):
    with pytest.raises(fetching.InternalAddress, match="an address inside the network") as caught:
        fetching.fetch(f"http://{host}:{server.server_address[1]}/feed")
    assert not isinstance(caught.value, FetchError)  # not retried: it will not heal
    assert "FETCH_ALLOWED_HOSTS" in str(caught.value)


def test_a_redirect_to_an_internal_host_is_refused(url, server):
    """127.0.0.1 is allowed here; the redirect goes to localhost, which is not."""
    with pytest.raises(fetching.InternalAddress, match="localhost"):
        fetch(url("/redirect-localhost"))
    assert [h.get("Host") for h in server.seen] == [f"127.0.0.1:{server.server_address[1]}"]


def test_a_public_address_passes_and_an_allowed_host_may_be_internal():
    assert fetching.vetted_addresses("93.184.216.34", 80, frozenset()) == ["93.184.216.34"]
    assert fetching.vetted_addresses("127.0.0.1", 80, frozenset({"127.0.0.1"})) == ["127.0.0.1"]


def test_a_name_that_turns_internal_between_check_and_connection_is_refused(monkeypatch, server):
    """DNS rebinding: the first answer is public, the one the connection gets is loopback.
    The connection resolves and checks by itself, and connects to what it checked."""
    port = server.server_address[1]
    server.seen.clear()
    answers = iter(["93.184.216.34", "127.0.0.1"])

    def rebinding(host, *args, **kwargs):
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(fetching.socket, "getaddrinfo", rebinding)
    with pytest.raises(fetching.InternalAddress, match="rebind.example"):
        fetching.fetch(f"http://rebind.example:{port}/feed")
    assert server.seen == []  # nothing reached the internal server
