"""A TLS server of another stack (Python's ssl, that is OpenSSL with its defaults) for the
client commands' tests. It prints its port on the first line of standard output, then serves
until killed. Loopback only.

    tls_peer.py tickets DIR   TLS 1.3 with session tickets after the handshake (OpenSSL's
                              default, as nginx, Apache and Go's crypto/tls do); every GET
                              answers cckm-mock's health JSON
    tls_peer.py trickle DIR [SECONDS]
                              the same answer, its TLS records sent one byte every SECONDS
                              (0.25 unless given)
DIR receives a fresh self-signed certificate and key (made with the openssl command).
"""

import http.server
import socket
import ssl
import subprocess
import sys
import threading
import time

BODY = b'{"status":"ok"}'
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(BODY), BODY)


def context(folder: str) -> ssl.SSLContext:
    cert, key = f"{folder}/peer-cert.pem", f"{folder}/peer-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
        check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.num_tickets = 2
    ctx.load_cert_chain(cert, key)
    return ctx


class Health(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


def tickets(ctx: ssl.SSLContext) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def trickle_one(ctx: ssl.SSLContext, raw: socket.socket, pace: float) -> None:
    """The handshake at full speed through memory BIOs, then the answer's records a byte at a time."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_side=True)
    raw.settimeout(30)

    def pump() -> None:
        pending = outgoing.read()
        if pending:
            raw.sendall(pending)

    def more() -> bool:
        pump()
        data = raw.recv(65536)
        incoming.write(data)
        return bool(data)

    try:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                if not more():
                    return
        pump()
        request = b""
        while b"\r\n\r\n" not in request:
            try:
                request += tls.read(65536)
            except ssl.SSLWantReadError:
                if not more():
                    return
        pump()
        tls.write(ANSWER)
        for byte in outgoing.read():
            raw.sendall(bytes([byte]))
            time.sleep(pace)
    except (OSError, ssl.SSLError):
        pass
    finally:
        raw.close()


def trickle(ctx: ssl.SSLContext) -> None:
    pace = float(sys.argv[3]) if len(sys.argv) > 3 else 0.25
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    print(listener.getsockname()[1], flush=True)
    while True:
        raw, _ = listener.accept()
        threading.Thread(target=trickle_one, args=(ctx, raw, pace), daemon=True).start()


if __name__ == "__main__":
    mode, folder = sys.argv[1], sys.argv[2]
    {"tickets": tickets, "trickle": trickle}[mode](context(folder))
