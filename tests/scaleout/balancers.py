"""The two load balancers of the fleet test, HAProxy and nginx stream, each run from its
configuration in deploy/ with the placeholders filled in, and asked what it sees."""
import os
import re
import socket
import subprocess
import time

from harness import wait_until

DEPLOY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy")


def render(template_path, values, proxy=True):
    """The configuration at `template_path` with each {{NAME}} replaced by values[NAME].
    proxy=False drops the PROXY header directives, for a server that cannot read one
    yet; the caller then skips every check that needs the client's real address."""
    with open(template_path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"\{\{(\w+)\}\}", lambda m: str(values[m.group(1)]), text)
    if not proxy:
        text = text.replace(" send-proxy-v2", "").replace("proxy_protocol on;", "")
    return text


def listening(prefix, port):
    """True once something listens on TCP `port` in the namespace `prefix` runs in."""
    p = subprocess.run([*prefix, "ss", "-Hltn", f"sport = :{port}"], capture_output=True,
                       text=True)
    return p.returncode == 0 and p.stdout.strip() != ""


class Balancer:
    """One load-balancer process in its namespace, stopped by its PID."""

    name = ""
    template = ""

    def __init__(self, run_dir, values, prefix, proxy):
        self.run_dir = run_dir
        self.prefix = prefix
        self.port = values["LB_PORT"]
        self.config = os.path.join(run_dir, os.path.basename(self.template))
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(render(os.path.join(DEPLOY, self.template), values, proxy))
        self.output = open(os.path.join(run_dir, f"{self.name}.out"), "wb")
        self.proc = subprocess.Popen([*prefix, *self.command()], stdout=self.output,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_until(lambda: self.proc.poll() is not None or listening(prefix, self.port), 10,
                       f"{self.name} to listen on {self.port}")
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited {self.proc.returncode}: {self.log()}")
        except AssertionError:
            self.stop()
            raise

    def command(self):
        raise NotImplementedError

    def log(self):
        with open(self.output.name, encoding="utf-8", errors="replace") as f:
            return f.read()[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.output.close()


class HAProxy(Balancer):
    name = "haproxy"
    template = "haproxy/haproxy.cfg"

    def command(self):
        # -db: in the foreground, one process, so the PID is HAProxy's own.
        return ["haproxy", "-db", "-f", self.config]

    def stat(self):
        """'show stat' from the admin socket: {(proxy, server): row as a dict}."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(os.path.join(self.run_dir, "haproxy.sock"))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        lines = data.decode().strip().splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
        return {(r["pxname"], r["svname"]): r for r in rows}

    def status(self, server, backend="echo_servers"):
        """'UP', 'DOWN', 'MAINT'... as the health checks last judged `server`."""
        return self.stat()[(backend, server)]["status"].split()[0]

    def wait_status(self, server, want, timeout, backend="echo_servers"):
        """Seconds until `server` reached status `want` (polled every 10 ms)."""
        start = time.monotonic()
        wait_until(lambda: self.status(server, backend) == want, timeout,
                   f"haproxy to mark {backend}/{server} {want}")
        return time.monotonic() - start

    def server_sessions(self, server, backend="echo_servers"):
        """Connections HAProxy has sent to `server` since it started."""
        return int(self.stat()[(backend, server)]["stot"])

    def sessions(self, frontend="echo"):
        """Client connections this frontend has accepted since HAProxy started."""
        return int(self.stat()[(frontend, "FRONTEND")]["stot"])


class Nginx(Balancer):
    name = "nginx"
    template = "nginx/nginx.conf"

    def command(self):
        # -e: the error log from the first moment, before the configuration is read.
        return ["nginx", "-p", self.run_dir, "-e", os.path.join(self.run_dir, "error.log"),
                "-c", self.config]

    def log(self):
        path = os.path.join(self.run_dir, "error.log")
        extra = open(path, encoding="utf-8", errors="replace").read()[-4000:] \
            if os.path.exists(path) else ""
        return super().log() + extra

    def sessions(self, frontend=None):
        """Client connections nginx has finished (one access-log line each)."""
        return len(self.access_log())

    def access_log(self):
        """[(start, client, [upstreams tried], status)]: one entry per finished client
        connection; start in time.time() seconds."""
        path = os.path.join(self.run_dir, "access.log")
        if not os.path.exists(path):
            return []
        entries = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                end, session_time, client, status, _, _, upstreams = line.rstrip("\n").split(
                    " ", 6)
                entries.append((float(end) - float(session_time), client,
                                [u.strip() for u in upstreams.strip('"').split(",") if u],
                                int(status)))
        return entries
