"""Small helpers for lesson 04's TCP programs.

Mirror image of demos/common/tcp.c.
"""


def addr_str(addr):
    """'127.0.0.1:41234': an IPv4 (host, port), as every message and the
    readiness line ('listening on 127.0.0.1:41234') write it."""
    return f"{addr[0]}:{addr[1]}"


def loopback(port):
    """The address 127.0.0.1:port, for bind() and connect()."""
    return ("127.0.0.1", port)      # 127.0.0.1: never every interface
