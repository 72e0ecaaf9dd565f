"""Follow RetrievePropertiesEx paging tokens, fetching ahead while decoding.

Real vCenters answer about 100 objects per page.  ``pages`` asks for page
n+1 (its token sits at the head of page n, before the objects) while page n
is decoded, so the network and the server's work overlap ours.
"""

from __future__ import annotations

import html
import re
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterator

_TOKEN = re.compile(rb"<token>([^<]*)</token>")


def peek_token(data: bytes) -> str | None:
    """The paging token of an answer, read from the bytes before the first object."""
    end = data.find(b"<objects>")
    match = _TOKEN.search(data, 0, end if end >= 0 else len(data))
    if match is None:
        return None
    return html.unescape(match.group(1).decode()) or None


def pages(first: Callable[[], bytes], following: Callable[[str], bytes],
          decode: Callable[[bytes], Any]) -> Iterator[Any]:
    """Yield each decoded page (a RetrieveResult) until one has no token.

    ``first()`` fetches the first page, ``following(token)`` the next one,
    ``decode(bytes)`` decodes a page.  The next page is requested as soon as
    its token is known; when the decoded token disagrees with the peeked
    one (it never should), the decoded one wins.
    """
    data = first()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="vcompanion-page") as ahead:
        while data is not None:
            peeked = peek_token(data)
            pending: Future | None = ahead.submit(following, peeked) if peeked else None
            try:
                page = decode(data)
            except BaseException:
                if pending is not None:
                    pending.cancel()
                raise
            if page is None:
                if pending is not None:
                    pending.cancel()
                return
            yield page
            token = page.token
            if not token:
                return
            if pending is not None and token == peeked:
                data = pending.result()
            else:
                data = following(token)


__all__ = ["pages", "peek_token"]
