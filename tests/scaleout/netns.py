"""The fleet's network: one namespace per host (client, load balancer, backends), all
joined by a bridge that lives in a namespace of its own, so nothing is added to the
namespace the test runs in. Everything is named per run and removed again."""
import atexit
import os
import signal
import subprocess

SUBNET_PREFIX = 24


class Topology:
    """Namespaces `hosts` ({role: IPv4 address}) on one /24 bridge.

    Use as a context manager: the namespaces are removed on leaving it, at exit, and
    when ctest's timeout sends SIGTERM, whatever state creation reached."""

    def __init__(self, hosts):
        # The PID keeps parallel runs apart; a leftover of a crashed run has another.
        self.tag = f"esfleet-{os.getpid()}"
        self.hosts = dict(hosts)
        self.created = []
        self.processes = []

    def ns(self, role):
        return f"{self.tag}-{role}"

    def address(self, role):
        return self.hosts[role]

    def exec_prefix(self, role):
        """Prefix a command with this to run it inside `role`'s namespace; `ip netns
        exec` execs the program, so the PID Popen gives is the program's own."""
        return ["ip", "netns", "exec", self.ns(role)]

    def __enter__(self):
        atexit.register(self.remove)
        previous = signal.getsignal(signal.SIGTERM)

        def on_term(signum, frame):
            # ctest's timeout. Unwinding would not do: unittest records an exception
            # in a test and goes on to the next. Clean up here and leave as killed.
            signal.signal(signal.SIGTERM, previous)
            self.remove()
            os._exit(128 + signum)
        signal.signal(signal.SIGTERM, on_term)
        try:
            self._create()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc):
        self.remove()

    def track(self, proc):
        """Remembers a process started in one of the namespaces (a subprocess.Popen),
        so remove() can stop it by its PID first."""
        self.processes.append(proc)
        return proc

    def _create(self):
        bridge = "bridge"
        self._add_ns(bridge)
        self._ip(bridge, "link", "add", "br0", "type", "bridge")
        self._ip(bridge, "link", "set", "br0", "up")
        for role, addr in self.hosts.items():
            self._add_ns(role)
            self._ip(role, "link", "set", "lo", "up")
            # Created inside the bridge namespace with its far end moved straight into
            # the host's: interface names then only need to be unique per namespace.
            port = f"p-{role}"
            self._ip(bridge, "link", "add", "name", port, "type", "veth", "peer", "name", "eth0",
                     "netns", self.ns(role))
            self._ip(bridge, "link", "set", port, "master", "br0", "up")
            self._ip(role, "addr", "add", f"{addr}/{SUBNET_PREFIX}", "dev", "eth0")
            self._ip(role, "link", "set", "eth0", "up")

    def _add_ns(self, role):
        subprocess.run(["ip", "netns", "add", self.ns(role)], check=True, capture_output=True,
                       text=True)
        self.created.append(self.ns(role))

    def _ip(self, role, *args):
        p = subprocess.run(["ip", "-n", self.ns(role), *args], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"ip -n {self.ns(role)} {' '.join(args)}: {p.stderr.strip()}")

    def remove(self):
        """Kills the tracked processes still running, by PID, then deletes every
        namespace created so far (their veths go with them); safe to call twice."""
        while self.processes:
            proc = self.processes.pop()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        while self.created:
            subprocess.run(["ip", "netns", "delete", self.created.pop()], capture_output=True)


def can_create_namespaces():
    """(True, "") when this process may create a namespace with a veth pair, else
    (False, why): the test then reports a skip."""
    if os.geteuid() != 0:
        return False, "needs root for network namespaces"
    probe = f"esfleet-probe-{os.getpid()}"
    p = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if p.returncode != 0:
        return False, f"ip netns add: {p.stderr.strip()}"
    try:
        p = subprocess.run(["ip", "-n", probe, "link", "add", "name", "a", "type", "veth",
                            "peer", "name", "b"], capture_output=True, text=True)
        if p.returncode != 0:
            return False, f"veth: {p.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "delete", probe], capture_output=True)
    return True, ""
