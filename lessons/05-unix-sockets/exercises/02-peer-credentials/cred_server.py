#!/usr/bin/env python3
"""cred_server.py - a Unix stream server on an abstract name that serves
the clients of its own user only, one client after another.

Exercise 05-unix-sockets/02-peer-credentials: the task is in README.md.

Usage: cred_server.py [-n COUNT] @NAME
  @NAME      a name in Linux's abstract namespace: no file, so no file
             permissions: anyone in this network namespace may connect
  -n COUNT   end after COUNT clients, served or refused (default 1)

Its first line on stdout is "listening on @NAME" once a client can
connect. For each client it reads what it sends to the end and prints
"client pid P uid U gid G: read N bytes".
A client, in Python:
  s = socket.socket(socket.AF_UNIX); s.connect("\\0NAME"); s.sendall(b"hi")
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "..", "python_peers"))
from ipclab.err import die, fail, out, progname, say, set_progname  # noqa: E402


def serve(conn, name):
    """One client: who it is, then what it sends, to the end."""
    # TODO: this server serves every client. An abstract name has no
    # file and so no permissions: any process of any user in this network
    # namespace can connect. Ask the kernel who connected: it recorded the
    # client's pid, uid and gid at connect() (SO_PEERCRED: a struct ucred,
    # three C ints), and nothing the client sends can change them. A client
    # whose uid is not ours (os.geteuid()): say so on stderr, after our
    # name as every message here, f"{progname()}: client pid P uid U gid G:
    # not our uid (OURS): refused", read nothing from it, and return
    # (closing it). Print the real pid, uid and gid below.
    pid = uid = gid = "?"
    total = 0
    while True:
        try:
            chunk = conn.recv(4096)
        except OSError as e:
            die(f"recv {name}", e)
        if not chunk:
            break
        total += len(chunk)
    out(f"client pid {pid} uid {uid} gid {gid}: read {total} bytes")


def main():
    set_progname(os.path.basename(sys.argv[0]))
    args = sys.argv[1:]
    count = 1
    if len(args) == 3 and args[0] == "-n" and args[1].isdigit() and int(args[1]) > 0:
        count = int(args[1])
        args = args[2:]
    if len(args) != 1 or not args[0].startswith("@") or len(args[0]) < 2:
        fail(2, f"usage: {progname()} [-n COUNT] @NAME")
    name = args[0]
    addr = "\0" + name[1:]
    if len(addr.encode()) > 108:
        fail(2, f"{name}: an abstract name of {len(addr.encode())} bytes does not fit in sun_path")

    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        srv.bind(addr)
        srv.listen(16)
    except OSError as e:
        die(f"bind {name}", e)
    out(f"listening on {name}")
    for _ in range(count):
        try:
            conn, _ = srv.accept()
        except OSError as e:
            die(f"accept {name}", e)
        with conn:
            serve(conn, name)
    srv.close()


if __name__ == "__main__":
    main()
