"""A scripted fake Redis for the fault suite: a RESP2 server on a unix
socket that answers the node's connection handshake as Redis does (PING,
CLIENT ID, CLIENT TRACKING, SUBSCRIBE) and every other command the way
`mode` says:

  delay      never answers (the node's deadline must fire)
  drop       closes the connection
  truncated  sends the first bytes of a reply, then closes
  invalid    sends bytes that are not RESP
  loading    the error Redis answers while it replays its AOF
  wrongtype  well-formed replies of the wrong type or shape, in turn

`mode` may change while clients are connected; `faulted` counts the
commands it answered badly (a test that never reached the fake fails).
"""
import os
import socket
import threading

# Replies of the wrong type or shape: what a reader of a hash, a string
# or a script result must survive.
WRONG = [
    b":42\r\n",
    b"+OK\r\n",
    b"$-1\r\n",
    b"*-1\r\n",
    b"*0\r\n",
    b"$5\r\nhello\r\n",
    b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",         # odd field count
    b"*2\r\n:1\r\n*1\r\n:2\r\n",                          # nested, ints
    b"*4\r\n$1\r\n1\r\n$3\r\n\x00\xff\x01\r\n$2\r\n_m\r\n$0\r\n\r\n",
    b"*2\r\n$4\r\n2000\r\n$200000\r\n" + b"v" * 200000 + b"\r\n",
    b"-ERR fake failure\r\n",
]
TRUNCATED = [b"$10\r\nabc", b"*4\r\n$1\r\n1\r\n", b":12", b"*2\r\n$"]
LOADING = b"-LOADING Redis is loading the dataset in memory\r\n"
INVALID = [b"?what\r\n", b"$abc\r\n", b"*x\r\n", b"\x00\x01\x02\r\n"]


class FakeRedis:
    def __init__(self, path):
        self.path = path
        self.mode = "delay"
        self.faulted = 0
        self.handshakes = 0
        self.lock = threading.Lock()
        self.conns = []
        self.turn = 0
        if os.path.exists(path):
            os.unlink(path)
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(128)
        self.closing = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self):
        self.closing = True
        try:
            self.srv.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.srv.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.conns = []
        self.thread.join(5)
        if os.path.exists(self.path):
            os.unlink(self.path)

    def _accept(self):
        while not self.closing:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            with self.lock:
                self.conns.append(c)
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    def _next(self, table):
        with self.lock:
            self.faulted += 1
            self.turn += 1
            return table[self.turn % len(table)]

    def _serve(self, c):
        f = c.makefile("rb")
        try:
            while not self.closing:
                cmd = read_command(f)
                if cmd is None:
                    return
                reply = self._handshake(cmd)
                if reply is not None:
                    c.sendall(reply)
                    continue
                mode = self.mode
                if mode == "delay":
                    with self.lock:
                        self.faulted += 1
                    continue
                if mode == "drop":
                    with self.lock:
                        self.faulted += 1
                    return
                if mode == "truncated":
                    c.sendall(self._next(TRUNCATED))
                    return
                if mode == "loading":
                    c.sendall(self._next([LOADING]))
                    continue
                if mode == "invalid":
                    c.sendall(self._next(INVALID))
                    continue
                c.sendall(self._next(WRONG))
        except OSError:
            return
        finally:
            f.close()
            try:
                c.close()
            except OSError:
                pass

    def _handshake(self, cmd):
        name = b" ".join(cmd[:2]).upper()
        if name.startswith(b"PING"):
            with self.lock:
                self.handshakes += 1
            return b"+PONG\r\n"
        if name == b"CLIENT ID":
            return b":7\r\n"
        if name == b"CLIENT TRACKING":
            return b"+OK\r\n"
        if name.startswith(b"SUBSCRIBE"):
            ch = cmd[1]
            return b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (
                len(ch), ch)
        return None


def read_command(f):
    """One command (an array of bulk strings, as hiredis sends), or None
    at the end of the stream."""
    line = f.readline()
    if not line:
        return None
    if not line.startswith(b"*"):
        return line.strip().split()
    out = []
    for _ in range(int(line[1:])):
        ln = f.readline()
        if not ln.startswith(b"$"):
            return None
        size = int(ln[1:])
        out.append(f.read(size + 2)[:-2])
    return out
