"""The offline guard refuses non-loopback connections, in this process and in child processes.

These tests make deliberate attempts, which the guard appends to the session's log. The
``guard_log`` fixture hands each test the lines it added, then removes exactly the lines that
name the test's own documentation addresses, so only unexpected attempts fail the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Documentation-only addresses (RFC 5737, RFC 3849, RFC 6761): never routed, never resolved.
BLOCKED_V4 = ("192.0.2.1", 9)
BLOCKED_V6 = ("2001:db8::1", 9)
BLOCKED_NAME = "offline-guard-test.invalid"
MARKERS = (BLOCKED_V4[0], BLOCKED_V6[0], BLOCKED_NAME)


@pytest.fixture
def guard_log() -> Iterator[Callable[[], list[str]]]:
    """Yield a function returning the log lines added during the test; remove them after."""
    log = Path(os.environ["TLW_OFFLINE_GUARD"])
    before = log.read_text()

    def added() -> list[str]:
        return log.read_text()[len(before) :].splitlines()

    yield added
    unexpected = [line for line in added() if not any(marker in line for marker in MARKERS)]
    log.write_text(before + "".join(f"{line}\n" for line in unexpected))


@pytest.mark.parametrize("address", [BLOCKED_V4, BLOCKED_V6], ids=["ipv4", "ipv6"])
def test_connect_to_non_loopback_address_is_refused(
    address: tuple[str, int], guard_log: Callable[[], list[str]]
) -> None:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        with pytest.raises(OSError, match="offline guard"):
            sock.connect(address)
        with pytest.raises(OSError, match="offline guard"):
            sock.connect_ex(address)
    with pytest.raises(OSError, match="offline guard"):
        socket.create_connection(address, timeout=1)
    with socket.socket(family, socket.SOCK_DGRAM) as udp:
        with pytest.raises(OSError, match="offline guard"):
            udp.sendto(b"ping", address)

    lines = guard_log()
    assert len(lines) == 4
    assert all(address[0] in line for line in lines)


def test_name_lookup_is_refused_before_any_dns_query(
    guard_log: Callable[[], list[str]],
) -> None:
    with pytest.raises(socket.gaierror, match="offline guard"):
        socket.getaddrinfo(BLOCKED_NAME, 80)
    with pytest.raises(OSError, match="offline guard"):
        socket.create_connection((BLOCKED_NAME, 80), timeout=1)
    assert len(guard_log()) == 2


def test_child_python_process_is_guarded_too(guard_log: Callable[[], list[str]]) -> None:
    code = textwrap.dedent(
        f"""
        import socket
        try:
            socket.create_connection({BLOCKED_V4!r}, timeout=5)
        except OSError as error:
            print(error)
        """
    )
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert "offline guard" in child.stdout
    lines = guard_log()
    assert len(lines) == 1
    assert BLOCKED_V4[0] in lines[0]
    assert "argv=['-c']" in lines[0]


def test_loopback_and_unix_sockets_still_work(
    tmp_path: Path, guard_log: Callable[[], list[str]]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        for host in ("127.0.0.1", "localhost"):
            with socket.create_connection((host, port), timeout=5) as client:
                peer, _ = server.accept()
                with peer:
                    client.sendall(b"ping")
                    assert peer.recv(4) == b"ping"

    path = str(tmp_path / "guard.sock")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen()
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)
            peer, _ = server.accept()
            peer.close()

    assert guard_log() == []


def test_swallowed_attempt_still_fails_the_session(
    tmp_path: Path, guard_log: Callable[[], list[str]]
) -> None:
    """Run a tiny pytest session with our conftest in which a test catches the guard's error."""
    tests_dir = Path(__file__).resolve().parent
    shutil.copy(tests_dir / "conftest.py", tmp_path / "conftest.py")
    shutil.copytree(tests_dir / "offline_guard", tmp_path / "offline_guard")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_swallow.py").write_text(
        textwrap.dedent(
            f"""
            import socket

            def test_library_that_hides_the_error():
                try:
                    socket.create_connection({BLOCKED_V4!r}, timeout=5)
                except OSError:
                    pass
            """
        )
    )

    inner = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert inner.returncode == pytest.ExitCode.TESTS_FAILED, inner.stdout + inner.stderr
    assert "1 passed" in inner.stdout
    assert "offline guard: network access attempted" in inner.stdout
    assert BLOCKED_V4[0] in inner.stdout
    assert guard_log() == []  # the inner session kept its attempts in its own log
