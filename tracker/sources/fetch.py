"""Fetching a source over HTTP(S): conditional GET, timeouts, size caps, gzip.

The standard library only (urllib), so that a refresh needs nothing beyond the app itself.
Errors say whether a retry can help: FetchError can, HTTPStatusError, TooLarge and a plain
IngestError cannot.

No fetch reaches an internal address: every connection, the first and each redirect's,
resolves the host itself and refuses loopback, private, link-local, reserved, multicast and
unspecified addresses (IPv4-mapped IPv6 too), then connects to the very address it checked,
so a DNS answer that changes between the check and the connection cannot slip through. An
operator may allow named hosts (FETCH_ALLOWED_HOSTS), e.g. a feed mirror on the intranet.
"""

import datetime
import email.message
import email.utils
import functools
import http.client
import ipaddress
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass

from tracker.parsing import whole_number
from tracker.sources.base import FetchError, HTTPStatusError, IngestError, ParseError, TooLarge

CHUNK = 64 * 1024
SCHEMES = frozenset({"http", "https"})
# 408 and 429 say "not now" rather than "never"; every 5xx is retried too.
RETRYABLE_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class FetchResult:
    """A fetched body (status 200), or no body because it has not changed (status 304)."""

    status: int
    body: bytes | None
    etag: str
    last_modified: str
    url: str  # the final URL, after redirects
    content_type: str = ""

    @property
    def charset(self) -> str:
        """The charset the Content-Type names ("" if none): it outranks a document's own."""
        message = email.message.Message()
        message["content-type"] = self.content_type
        return (message.get_content_charset() or "") if self.content_type else ""


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 20.0,
    max_bytes: int = 50 * 2**20,
    user_agent: str = "Entente/1.0",
    total_timeout: float = 300.0,
    allowed_hosts: frozenset[str] = frozenset(),
) -> FetchResult:
    """GET `url`, conditionally if `etag` or `last_modified` is given, reading at most `max_bytes`.

    `timeout` bounds connecting and each read; `total_timeout` bounds the whole exchange,
    so that a server trickling bytes cannot hold a worker. Any 2xx is reported as 200.
    `allowed_hosts` may be reached even at an internal address.
    """
    allowed = frozenset(host.lower() for host in allowed_hosts)
    _check_url(url, allowed)
    headers = {"User-Agent": user_agent, "Accept-Encoding": "gzip"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    deadline = time.monotonic() + total_timeout
    try:
        response = _opener(allowed).open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        try:
            if error.code == 304:
                return FetchResult(
                    status=304,
                    body=None,
                    etag=error.headers.get("ETag") or etag or "",
                    last_modified=error.headers.get("Last-Modified") or last_modified or "",
                    url=error.geturl() or url,
                )
            raise _status_error(error, url) from None
        finally:
            error.close()
    except urllib.error.URLError as error:
        raise _network_error(error.reason, url, timeout) from error
    except (OSError, http.client.HTTPException) as error:
        raise _network_error(error, url, timeout) from error
    with response:
        length = _announced_length(response.headers.get("Content-Length"))
        if length is not None and length > max_bytes:
            raise TooLarge(
                f"{url} announces {length:,} bytes (Content-Length), over the cap of "
                f"{max_bytes:,} bytes"
            )
        try:
            body = _read_body(
                response,
                encoding=response.headers.get("Content-Encoding", ""),
                length=length,
                max_bytes=max_bytes,
                deadline=deadline,
                url=url,
            )
        except (OSError, http.client.HTTPException) as error:
            raise _network_error(error, url, timeout) from error
        return FetchResult(
            status=200,
            body=body,
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
            url=response.url or url,
            content_type=response.headers.get("Content-Type", ""),
        )


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http and https only (urllib alone would also follow ftp), and
    to no internal address."""

    def __init__(self, allowed: frozenset[str]):
        self.allowed = allowed

    def http_error_302(self, req, fp, code, msg, headers):
        location = headers.get("Location") or headers.get("URI") or ""
        try:
            _check_url(urllib.parse.urljoin(req.full_url, location), self.allowed)
        except IngestError:
            fp.close()
            raise
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


class InternalAddress(IngestError):
    """The URL's host is (or resolves to) an address inside the network: never fetched."""


def vetted_addresses(host: str, port: int, allowed: frozenset[str]) -> list[str]:
    """The addresses of `host` to connect to, each checked; InternalAddress if any of them
    is internal and the host is not allowed (an attacker's DNS may answer with both)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if host.lower().rstrip(".") in allowed:
        return addresses
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast or ip.is_reserved:
            raise InternalAddress(
                f"Refusing to fetch {host}: it resolves to {ip}, an address inside the "
                "network (an operator can allow the host with FETCH_ALLOWED_HOSTS)"
            )
    return addresses


class _Vetted:
    """An HTTP(S) connection that connects only to addresses vetted_addresses() allows."""

    def __init__(self, *args, allowed: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = allowed
        self._create_connection = self._connect_vetted

    def _connect_vetted(self, address, timeout=None, source_address=None):
        host, port = address
        error: OSError | None = None
        for ip in vetted_addresses(host, port, self.allowed):
            try:
                return socket.create_connection((ip, port), timeout, source_address)
            except OSError as failed:
                error = failed
        raise error or OSError(f"no address for {host}")


class VettedHTTPConnection(_Vetted, http.client.HTTPConnection):
    pass


class VettedHTTPSConnection(_Vetted, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allowed: frozenset[str]):
        super().__init__()
        self.allowed = allowed

    def http_open(self, req):
        return self.do_open(functools.partial(VettedHTTPConnection, allowed=self.allowed), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allowed: frozenset[str]):
        super().__init__()
        self.allowed = allowed
        self.tls = ssl.create_default_context()

    def https_open(self, req):
        connection = functools.partial(VettedHTTPSConnection, allowed=self.allowed)
        return self.do_open(connection, req, context=self.tls)


def _opener(allowed: frozenset[str]) -> urllib.request.OpenerDirector:
    # Built by hand rather than with build_opener(), which adds file, ftp and data handlers.
    # A proxy the operator configured (environment) is trusted; the target is then vetted
    # by name before the request (_check_url), as the proxy resolves it.
    proxies = urllib.request.getproxies()
    trusted = allowed | {urllib.parse.urlsplit(p).hostname or "" for p in proxies.values()}
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(proxies),
        _HTTPHandler(trusted),
        _HTTPSHandler(trusted),
        _RedirectHandler(allowed),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _check_url(url: str, allowed: frozenset[str]) -> None:
    """Refuse what is not a plain http(s) URL, or names an internal address. Connections
    check again (a proxy, or a DNS answer that changes, would not be caught here)."""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise IngestError(f"Refusing a URL with spaces or control characters: {url!r}")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError as error:
        raise IngestError(f"Not a valid URL: {url} ({error})") from None
    if parts.scheme.lower() not in SCHEMES or not parts.netloc:
        scheme = f"{parts.scheme}:" if parts.scheme else "a relative URL"
        raise IngestError(f"Only http and https URLs can be fetched, not {scheme} ({url})")
    default = 443 if parts.scheme.lower() == "https" else 80
    try:
        vetted_addresses(parts.hostname or "", parts.port or default, allowed)
    except OSError as error:
        raise FetchError(f"Cannot resolve {parts.hostname}: {error}") from None


def _announced_length(header: str | None) -> int | None:
    return whole_number((header or "").strip())


def _read_body(
    response, *, encoding: str, length: int | None, max_bytes: int, deadline: float, url: str
) -> bytes:
    """The body in chunks, decompressed if gzipped, refusing as soon as it passes the cap."""
    encoding = encoding.strip().lower()
    if encoding in {"gzip", "x-gzip"}:
        gunzip = _Gunzip(limit=max_bytes, url=url)
    elif encoding in {"", "identity"}:
        gunzip = None
    else:
        raise IngestError(f"{url} sent an unsupported Content-Encoding: {encoding}")
    parts: list[bytes] = []
    received = 0
    # read1 returns what has arrived, so the deadline is checked while a server trickles.
    while chunk := response.read1(CHUNK):
        if time.monotonic() > deadline:
            raise FetchError(f"{url} is still sending after the time allowed for a fetch")
        received += len(chunk)
        if received > max_bytes:
            raise TooLarge(f"{url} sent more than the cap of {max_bytes:,} bytes")
        parts.append(gunzip.feed(chunk) if gunzip else chunk)
    if length is not None and received < length:
        # http.client reports a body cut short as a plain end of data: say what happened.
        raise FetchError(
            f"{url} closed the connection after {received:,} bytes, "
            f"{length - received:,} short of what it announced"
        )
    if gunzip:
        gunzip.finish()
    return b"".join(parts)


class _Gunzip:
    """Streaming gzip decoding that never produces more than `limit` bytes in all."""

    def __init__(self, *, limit: int, url: str):
        self._limit = limit
        self._url = url
        self._size = 0
        self._fed = False
        self._inflate = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)

    def feed(self, data: bytes) -> bytes:
        self._fed = True
        out = []
        while data:
            try:
                # One byte over the remaining room is enough to know the cap is passed.
                chunk = self._inflate.decompress(data, self._limit - self._size + 1)
            except zlib.error as error:
                raise ParseError(
                    f"{self._url} sent a body that is not valid gzip: {error}"
                ) from None
            self._size += len(chunk)
            if self._size > self._limit:
                raise TooLarge(
                    f"{self._url} sent gzip that unpacks to more than the cap of "
                    f"{self._limit:,} bytes"
                )
            out.append(chunk)
            if self._inflate.eof:
                data = self._inflate.unused_data
                if not data.strip(b"\x00"):
                    break  # zero padding after the last member is harmless
                self._inflate = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)  # next member
            else:
                data = self._inflate.unconsumed_tail
        return b"".join(out)

    def finish(self) -> None:
        if self._fed and not self._inflate.eof:
            raise FetchError(f"{self._url} sent a gzip body that stops early (transfer cut short?)")


def _status_error(error: urllib.error.HTTPError, url: str) -> IngestError:
    message = f"HTTP {error.code} {error.reason} from {url}"
    if error.code >= 500 or error.code in RETRYABLE_STATUSES:
        return FetchError(message, retry_after=_retry_after(error.headers.get("Retry-After")))
    return HTTPStatusError(message, status=error.code)


def _retry_after(header: str | None) -> float | None:
    """Seconds from a Retry-After header (delay-seconds or an HTTP date), if it has one."""
    if not header:
        return None
    header = header.strip()
    if (seconds := whole_number(header)) is not None:
        return float(seconds)
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def _network_error(reason, url: str, timeout: float) -> IngestError:
    """The error a failed connection or read deserves: retryable unless it cannot heal."""
    if isinstance(reason, IngestError):
        return reason
    if isinstance(reason, TimeoutError):
        return FetchError(f"{url} did not answer within {timeout:g} s")
    if isinstance(reason, ssl.SSLCertVerificationError):
        return IngestError(f"{url} has a TLS certificate that does not verify: {reason}")
    if isinstance(reason, http.client.IncompleteRead):
        return FetchError(f"{url} closed the connection before the whole body arrived")
    if isinstance(reason, ConnectionRefusedError):
        return FetchError(f"{url} refused the connection")
    if isinstance(reason, OSError | http.client.HTTPException):
        return FetchError(f"{url} could not be fetched: {reason}")
    return IngestError(f"{url} could not be fetched: {reason}")
