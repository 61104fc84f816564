"""A private, throw-away Dovecot IMAP server for integration tests and benchmarks.

``DovecotServer`` writes a self-contained configuration below ``base_dir`` and
runs ``dovecot -F`` on a free loopback port.  It never reads ``/etc/dovecot``
or uses ``/run/dovecot`` or ``/var/lib/dovecot``, so any number of instances
(pytest-xdist workers, a benchmark next to the tests) can run side by side and
next to the system's own Dovecot.

Layout below ``base_dir``::

    dovecot.conf        generated configuration
    passwd              passwd-file passdb/userdb with {PLAIN} passwords
    dovecot.log         Dovecot's log (log_path)
    dovecot.stderr.log  the master's stdout/stderr (errors before logging starts)
    state/              Dovecot's state_dir
    run/                Dovecot's base_dir (sockets, pid), or a symlink to a
                        short directory in /tmp when base_dir is too long or
                        not reachable by Dovecot's unprivileged users
    mail/<user>/        per-user chroot and home; the mail is in Maildir/

Mail processes run as ``nobody`` and are chrooted into ``mail/<user>``; the
chroot (done while still root) makes the mail reachable even when an ancestor
of ``base_dir`` is private, as pytest's ``tmp_path`` directories are.  The
server runs in UTC (``TZ=UTC0``) so that INTERNALDATE offsets do not depend on
the host.

For benchmarks: a ``base_dir`` on tmpfs (``/dev/shm``) makes APPEND two to three
times faster than on a disk file system, appending to the selected folder
avoids reopening the mailbox per message, and MULTIAPPEND is faster still.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import imapclient

__all__ = ["DEFAULT_USERS", "DovecotError", "DovecotServer", "dovecot_available", "find_dovecot"]

DEFAULT_USERS: dict[str, str] = {"kulturkluster": "secret"}
DEFAULT_USER = "kulturkluster"

_DOVECOT_PATHS = ("/usr/sbin/dovecot",)
_USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")
# Characters that would break the generated config, passwd-file or %-expansion.
_UNSAFE_PATH_RE = re.compile(r'[\s:%"#{}\\$]')
# The longest socket path Dovecot 2.3 creates below its base_dir is
# "token-login/imap-urlauth" (24 bytes); sun_path holds 108 including NUL.
_MAX_RUN_DIR_LEN = 70
_START_ATTEMPTS = 3
_STOP_TIMEOUT = 10.0


class DovecotError(RuntimeError):
    """Dovecot could not be started or did not behave as expected."""


def find_dovecot() -> str | None:
    """Return the path of the ``dovecot`` binary, or None when it is not installed."""
    for candidate in _DOVECOT_PATHS:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("dovecot")


def dovecot_available() -> str | None:
    """Return None when a Dovecot server can be started here, else the reason it cannot."""
    if find_dovecot() is None:
        return "dovecot is not installed (no /usr/sbin/dovecot and no dovecot on PATH)"
    if os.geteuid() != 0:
        # The master must be root to chroot and to switch to the mail user.
        return "the Dovecot test server must run as root"
    return None


def _user_ids(*names: str) -> tuple[str, int, int]:
    """Name, uid and primary gid of the first of ``names`` that exists."""
    for name in names:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_name, entry.pw_uid, entry.pw_gid
    raise DovecotError(f"none of the users {', '.join(names)} exists")


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError as exc:
        raise DovecotError(f"group {gid} does not exist") from exc


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _world_traversable(path: Path) -> bool:
    """True when every directory from / down to ``path`` is searchable by anyone."""
    for directory in (path, *path.parents):
        try:
            mode = directory.stat().st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    return True


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _read_greeting(host: str, port: int) -> bytes:
    with socket.create_connection((host, port), timeout=1.0) as sock:
        data = b""
        while not data.endswith(b"\r\n") and len(data) < 4096:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        with contextlib.suppress(OSError):
            # A clean logout keeps the readiness probe out of the error log.
            sock.sendall(b"a LOGOUT\r\n")
        return data


def _cleanup(
    process: subprocess.Popen[bytes], output: IO[bytes], run_dir: Path | None, run_link: Path
) -> None:
    """SIGKILL what is left of the process group led by ``process``, reap it, tidy up.

    Must run before ``process`` is reaped: while the leader is a zombie its pid
    cannot be reused, so the group id still names only our processes.
    ``run_dir`` is removed (with the ``run_link`` symlink to it) when given.
    """
    try:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        output.close()
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)
            with contextlib.suppress(OSError):
                if run_link.is_symlink():
                    run_link.unlink()


def _exit_status(pid: int) -> int | None:
    """Exit status of child ``pid`` if it has exited, else None; never reaps it.

    Not reaping keeps the pid (and so the process group id) reserved for us
    until ``_cleanup`` has run.
    """
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return -1
    return None if info is None else info.si_status


def _only_log_process_left(master_pid: int) -> bool:
    """True once every live child of the Dovecot master is its log process.

    At that point the master only sleeps a fixed second (Dovecot 2.3 waits for
    its log process to drain) before exiting, which is not worth waiting for.
    """
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return False
    for child in children:
        try:
            state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z" and Path(f"/proc/{child}/exe").resolve().name != "log":
                return False
        except (OSError, IndexError):
            continue
    return True


def _wait_shut_down(pid: int, timeout: float) -> None:
    """Wait up to ``timeout`` seconds for the master ``pid`` to be done, without reaping it."""
    deadline = time.monotonic() + timeout
    while _exit_status(pid) is None and time.monotonic() < deadline:
        if _only_log_process_left(pid):
            # Let the log process drain the last lines of the other processes.
            time.sleep(0.05)
            return
        time.sleep(0.01)


class DovecotServer:
    """A Dovecot IMAP server on 127.0.0.1 with its whole state below ``base_dir``.

    Use it as a context manager or call ``start()`` and ``stop()``.  ``reset()``
    gives a clean mailbox between tests much faster than a restart.
    """

    host: str = "127.0.0.1"

    def __init__(
        self,
        base_dir: Path,
        users: dict[str, str] | None = None,
        *,
        start_timeout: float = 15.0,
        oauth2: tuple[str, Path] | None = None,
    ) -> None:
        """``oauth2`` is (introspection URL, CA file): AUTH XOAUTH2/OAUTHBEARER is then accepted, each
        token checked by RFC 7662 introspection (POST ``token=...``) at that URL."""
        self.oauth2 = oauth2
        self.base_dir = Path(base_dir).absolute()
        if _UNSAFE_PATH_RE.search(str(self.base_dir)):
            raise ValueError(f'base_dir must not contain whitespace or any of :%"#{{}}\\$: {self.base_dir}')
        self.users: dict[str, str] = dict(DEFAULT_USERS if users is None else users)
        if not self.users:
            raise ValueError("at least one user is needed")
        for name, password in self.users.items():
            if not _USERNAME_RE.fullmatch(name):
                raise ValueError(f"unsupported user name for the test server: {name!r}")
            if any(char in password for char in ":\r\n\0"):
                raise ValueError(f"password of {name!r} must not contain ':', CR, LF or NUL")
        self.start_timeout = start_timeout
        self.port: int = 0
        self.config_path = self.base_dir / "dovecot.conf"
        self.passwd_path = self.base_dir / "passwd"
        self.log_path = self.base_dir / "dovecot.log"
        self.stderr_path = self.base_dir / "dovecot.stderr.log"
        self.state_dir = self.base_dir / "state"
        self.mail_root = self.base_dir / "mail"
        self.run_link = self.base_dir / "run"
        self.run_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[..., DovecotServer] | None = None
        # Owner of the mail files; tests that write into a Maildir should chown to it.
        _, self.mail_uid, self.mail_gid = _user_ids("nobody", "dovecot")
        self._internal_user, _, internal_gid = _user_ids("dovecot", "nobody")
        self._internal_group = _group_name(internal_gid)
        self._login_user = _user_ids("dovenull", "nobody")[0]

    # -- public API ---------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the Dovecot master process is alive."""
        return self._process is not None and _exit_status(self._process.pid) is None

    def maildir(self, user: str = DEFAULT_USER) -> Path:
        """The user's Maildir on disk (folders are subdirectories, LAYOUT=fs)."""
        return self.mail_root / user / "Maildir"

    def start(self) -> None:
        """Start Dovecot and return once it has sent an IMAP greeting."""
        if self._process is not None:
            raise DovecotError("the Dovecot test server is already running")
        reason = dovecot_available()
        binary = find_dovecot()
        if reason is not None or binary is None:
            raise DovecotError(reason or "dovecot is not installed")
        self._prepare_files()
        for attempt in range(1, _START_ATTEMPTS + 1):
            self.port = _free_port(self.host)
            greeting_token = secrets.token_hex(6)
            self._launch(binary, greeting_token)
            try:
                self._wait_ready(greeting_token)
            except DovecotError as exc:
                self._terminate(graceful=False)
                # Another process can grab the port between _free_port() and
                # Dovecot's bind(); that is worth another try with a new port.
                if "Address already in use" in str(exc) and attempt < _START_ATTEMPTS:
                    continue
                raise
            except BaseException:
                self._terminate(graceful=False)
                raise
            return

    def stop(self) -> None:
        """Shut Dovecot down (gracefully, then by force) and clean up /tmp; idempotent."""
        self._terminate(graceful=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def client(self, user: str = DEFAULT_USER, *, timeout: float = 30.0) -> imapclient.IMAPClient:
        """A logged-in plain-text IMAPClient; the caller logs out."""
        if self._process is None:
            raise DovecotError("the Dovecot test server is not running")
        try:
            password = self.users[user]
        except KeyError:
            raise KeyError(f"unknown test user {user!r}; known: {sorted(self.users)}") from None
        client = imapclient.IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
        try:
            client.login(user, password)
        except BaseException:
            client.shutdown()
            raise
        return client

    def reset(self, user: str = DEFAULT_USER) -> None:
        """Delete every folder but INBOX, drop all subscriptions and empty INBOX.

        UIDVALIDITY and UIDNEXT of INBOX are kept, so UIDs keep growing.
        """
        client = self.client(user)
        try:
            folders = [name for _flags, _delimiter, name in client.list_folders()]
            # Children first: with LAYOUT=fs a parent cannot go before its children.
            others = sorted(
                (name for name in folders if name.upper() != "INBOX"),
                key=lambda name: (-name.count("/"), name),
            )
            for name in others:
                client.delete_folder(name)
            for _flags, _delimiter, name in client.list_sub_folders():
                if name.upper() != "INBOX":
                    client.unsubscribe_folder(name)
            selected = client.select_folder("INBOX")
            if selected[b"EXISTS"]:
                client.add_flags("1:*", [imapclient.DELETED], silent=True)
                client.expunge()
        finally:
            client.logout()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of Dovecot's log and of the master's stderr."""
        parts = [
            f"--- {path}:\n{text}"
            for path in (self.log_path, self.stderr_path)
            if (text := _tail(path, lines))
        ]
        return "\n".join(parts) or "(Dovecot wrote no log)"

    # -- internals ----------------------------------------------------------

    def _prepare_files(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(exist_ok=True)
        self.mail_root.mkdir(exist_ok=True)
        self.mail_root.chmod(0o755)
        for user in self.users:
            home = self.mail_root / user
            # mail_temp_dir (/tmp) is resolved inside the chroot.
            for directory in (home, home / "tmp"):
                directory.mkdir(exist_ok=True)
                os.chown(directory, self.mail_uid, self.mail_gid)
                directory.chmod(0o700)
        lines = [
            # Home "<chroot>/./" makes Dovecot chroot into <chroot> with home "/".
            f"{user}:{{PLAIN}}{password}:{self.mail_uid}:{self.mail_gid}::{self.mail_root / user}/./::\n"
            for user, password in self.users.items()
        ]
        self.passwd_path.write_text("".join(lines), encoding="utf-8")
        self.passwd_path.chmod(0o600)

    def _make_run_dir(self) -> tuple[Path, bool]:
        """Dovecot's base_dir and whether it is a temporary directory of ours."""
        if self.run_link.is_symlink():
            self.run_link.unlink()
        if len(str(self.run_link)) <= _MAX_RUN_DIR_LEN and _world_traversable(self.base_dir):
            self.run_link.mkdir(exist_ok=True)
            self.run_link.chmod(0o755)
            # Left behind when the master was killed; a reused pid in it would
            # make Dovecot believe it is already running.
            (self.run_link / "master.pid").unlink(missing_ok=True)
            return self.run_link, False
        run_dir = Path(tempfile.mkdtemp(prefix="dovecot-", dir="/tmp"))
        # Unprivileged Dovecot processes (stats, mail) connect to sockets here.
        run_dir.chmod(0o755)
        with contextlib.suppress(OSError):
            if self.run_link.exists():
                shutil.rmtree(self.run_link)
            self.run_link.symlink_to(run_dir)
        return run_dir, True

    def _render_config(self, greeting_token: str) -> str:
        assert self.run_dir is not None
        return f"""\
# Generated by tests/servers/dovecot.py for a private test instance; do not edit.
instance_name = dovecot-test-{self.port}
base_dir = {self.run_dir}
state_dir = {self.state_dir}
log_path = {self.log_path}
log_timestamp = "%Y-%m-%d %H:%M:%S "
login_greeting = Dovecot test server {greeting_token} ready.

protocols = imap
listen = {self.host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{" xoauth2 oauthbearer" if self.oauth2 else ""}
auth_failure_delay = 0
auth_verbose = yes

# Dovecot refuses to run login, internal and mail processes as root.
default_internal_user = {self._internal_user}
default_internal_group = {self._internal_group}
default_login_user = {self._login_user}
first_valid_uid = 1
first_valid_gid = 1
valid_chroot_dirs = {self.mail_root}

mail_location = maildir:~/Maildir:LAYOUT=fs
mail_plugins =
namespace inbox {{
  inbox = yes
  separator = /
  prefix =
  mailbox Sent {{
    special_use = \\Sent
  }}
}}

# Test data is disposable: trade durability for speed.
mail_fsync = never
maildir_very_dirty_syncs = yes
mail_max_userip_connections = 10000
default_process_limit = 1000
default_client_limit = 10000

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd_path}
  mechanisms = plain login
}}
{self._oauth2_passdb()}userdb {{
  driver = passwd-file
  args = username_format=%u {self.passwd_path}
}}

service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  # One long-lived login process, started with the master: fast connects.
  service_count = 0
  process_min_avail = 1
}}
service imap {{
  process_limit = 10000
}}
# The passwd file may sit below directories only root can enter.
service auth {{
  user = root
}}
"""

    def _oauth2_passdb(self) -> str:
        if self.oauth2 is None:
            return ""
        url, ca_file = self.oauth2
        args = self.base_dir / "dovecot-oauth2.conf.ext"
        args.write_text(
            f"""introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
tls_ca_cert_file = {ca_file}
""",
            encoding="utf-8",
        )
        return f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {args}
}}
"""

    def _launch(self, binary: str, greeting_token: str) -> None:
        self.run_dir, own_run_dir = self._make_run_dir()
        self.config_path.write_text(self._render_config(greeting_token), encoding="utf-8")
        output = self.stderr_path.open("ab")
        try:
            self._process = subprocess.Popen(
                [binary, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TZ": "UTC0"},
                # Own process group: stop() can kill every Dovecot child at once.
                start_new_session=True,
            )
        except BaseException:
            output.close()
            raise
        # Also runs at interpreter exit or when the server object is dropped,
        # so a forgotten stop() never leaves a Dovecot behind.
        self._finalizer = weakref.finalize(
            self, _cleanup, self._process, output, self.run_dir if own_run_dir else None, self.run_link
        )

    def _wait_ready(self, greeting_token: str) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        expected = f"Dovecot test server {greeting_token} ready".encode()
        while True:
            returncode = _exit_status(self._process.pid)
            if returncode is not None:
                raise DovecotError(
                    f"dovecot exited with status {returncode} during start-up "
                    f"(config {self.config_path})\n{self.log_tail()}"
                )
            try:
                greeting = _read_greeting(self.host, self.port)
            except OSError:
                greeting = b""
            if greeting.startswith(b"* OK") and expected in greeting:
                return
            if time.monotonic() >= deadline:
                raise DovecotError(
                    f"dovecot did not greet on {self.host}:{self.port} within "
                    f"{self.start_timeout:g} s (config {self.config_path})\n{self.log_tail()}"
                )
            time.sleep(0.02)

    def _terminate(self, *, graceful: bool) -> None:
        process, self._process = self._process, None
        finalizer, self._finalizer = self._finalizer, None
        if process is None or finalizer is None:
            return
        try:
            if graceful and _exit_status(process.pid) is None:
                # SIGTERM to the master only: it stops its children itself.
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
                _wait_shut_down(process.pid, _STOP_TIMEOUT)
        finally:
            finalizer()
            self.run_dir = None
