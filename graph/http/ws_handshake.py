"""uvicorn's websockets-sansio protocol, answering a handshake whose request does not parse.

When a handshake request has a header line over websockets' limit (8 KiB) or
too many headers, websockets prepares a 431 (414 for a long request line)
and marks the handshake failed, but uvicorn only flushes what websockets
wrote once a request has parsed: the client got no answer and the socket
stayed open for as long as the client cared to hold it. The app's own header
limit (graph/http/edge.py) never sees such a request, so the refusal is sent
here.
"""

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.handshake_exc is not None and not self.handshake_initiated:
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()
