"""Processes the crash-safety test starts and kills: gunicorn, and a private PostgreSQL cluster.

Everything here is killed by its own process id (the pid we started, or read from our own cluster's
postmaster.pid) and the children of that pid, never by name: other suites and the machine's shared
PostgreSQL server run next to this test.
"""

import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_request(port: int, method: str, path: str, body: bytes | None = None, headers=None, timeout=30):
    """One request on a fresh connection: (status, headers, body). Raises OSError when nobody answers."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers={"Host": f"{HOST}:{port}", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def children_of(pid: int) -> list[int]:
    """Direct children of `pid`, read from /proc (Linux)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # exited while we looked
            continue
        # The command name (field 2) may hold spaces and parentheses: the parent pid follows the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def kill_dash_nine(pids: list[int]) -> None:
    """SIGKILL every pid at once: a crash, not a shutdown, so nobody gets to flush or clean up."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_gone(pids: list[int], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    for pid in pids:
        while Path(f"/proc/{pid}").exists():
            stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
            if ") Z " in stat:  # a zombie child of ours: dead, waiting to be reaped
                break
            assert time.monotonic() < deadline, f"process {pid} outlived SIGKILL"
            time.sleep(0.05)


class Gunicorn:
    """config.wsgi under gunicorn (master + workers) on a free loopback port."""

    def __init__(self, env: dict, cwd: Path, log_dir: Path, workers: int = 2):
        self.env, self.cwd, self.log_dir, self.workers = env, cwd, log_dir, workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 90) -> None:
        self.spawn()
        self.wait_ready(timeout)

    def spawn(self) -> None:
        """Start the master; it boots its workers while the caller goes on."""
        self.starts += 1
        log = (self.log_dir / f"gunicorn-{self.starts}.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments
            [str(GUNICORN), "config.wsgi", "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers)]
            + ["--timeout", "60", "--log-level", "warning"],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        log.close()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                f"gunicorn exited with {self.process.returncode}: {self.log()}"
            )
            try:
                if http_request(self.port, "GET", "/healthz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer /healthz within {timeout}s: {self.log()}")

    def log(self) -> str:
        return (self.log_dir / f"gunicorn-{self.starts}.log").read_text()[-3000:]

    def kill_dash_nine(self) -> int:
        """SIGKILL the master and every worker at once; returns how many processes died."""
        master = self.process.pid
        pids = [master, *children_of(master)]
        kill_dash_nine(pids)
        self.process.wait(timeout=20)
        wait_gone(pids)
        return len(pids)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill_dash_nine()


def postgres_bin() -> Path | None:
    """The newest installed server binaries (Debian's /usr/lib/postgresql/<major>/bin), if any."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return candidates[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """A throw-away cluster (fsync on, trust auth on loopback, socket in its own folder) that this test may
    crash at will. initdb refuses to run as root, so as root the cluster belongs to the postgres user."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="openiop-crash-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
            + ["--no-instructions"]
        )

    def _run(self, command: list[str], as_owner: bool = True, **kwargs) -> subprocess.CompletedProcess:
        """Server-side tools run as the cluster's owner; clients connect over TCP as anyone."""
        result = subprocess.run(  # noqa: S603 - the PostgreSQL binaries with fixed arguments
            (self.as_user if as_owner else []) + command,
            capture_output=True,
            text=True,
            timeout=300,
            **kwargs,
        )
        assert result.returncode == 0, f"{command[0]} failed: {result.stderr[-2000:]}"
        return result

    def address(self) -> list[str]:
        return ["-h", HOST, "-p", str(self.port), "-U", "postgres"]

    def url(self, database: str) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def start(self, timeout: float = 60) -> None:
        """Start the postmaster; after a crash this is where PostgreSQL replays its WAL."""
        log = open(self.root / "server.log", "a")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(  # noqa: S603 - the PostgreSQL server with fixed arguments
            self.as_user
            + [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.root)]
            + ["-c", f"listen_addresses={HOST}", "-c", "fsync=on", "-c", "synchronous_commit=on"]
            + ["-c", "full_page_writes=on"],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"postgres exited: {self.server_log()}"
            ready = subprocess.run(  # noqa: S603
                [str(self.bin / "pg_isready"), "-h", HOST, "-p", str(self.port), "-q"], timeout=10
            )
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError(f"postgres not ready within {timeout}s: {self.server_log()}")

    def server_log(self) -> str:
        return (self.root / "server.log").read_text()[-3000:]

    def postmaster_pid(self) -> int:
        pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
        # Never signal anything but our own cluster's postmaster.
        assert str(self.data) in Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
        return pid

    def kill_dash_nine(self) -> int:
        """SIGKILL the postmaster and all its backends at once; returns how many processes died."""
        postmaster = self.postmaster_pid()
        pids = [postmaster, *children_of(postmaster)]
        kill_dash_nine(pids)
        self.process.wait(timeout=20)  # runuser (or the postmaster itself) exits once the server died
        wait_gone(pids)
        return len(pids)

    def client(self, tool: str, *args: str, **kwargs) -> str:
        """Run a client tool (psql, pg_amcheck, ...) and return its output; fails the test on an error."""
        return self._run([str(self.bin / tool), *args], as_owner=False, **kwargs).stdout

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
            self.process.wait(timeout=30)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
