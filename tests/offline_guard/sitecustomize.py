"""Offline guard: refuse every network connection that would leave this machine.

Python imports ``sitecustomize`` at start-up from the first ``sys.path`` entry that has one,
so putting this folder on ``PYTHONPATH`` installs the guard in every Python process the tests
start (notebook kernels, ``make lab``'s server, ``subprocess.run([sys.executable, ...])``).
It is active only while ``TLW_OFFLINE_GUARD`` names a log file; ``tests/conftest.py`` sets
both variables for the test session and fails the run if the log gains a line, so a library
that catches the error and carries on still fails the run.

What is refused, before any packet leaves: connecting or sending a datagram to an address
that is not loopback (AF_UNIX is always allowed), and resolving a host name that is not
this machine (a DNS query is traffic too). Each refusal raises ``OSError`` whose message
starts with ``offline guard:`` and appends one line to the log.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import ipaddress
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

LOG_ENV = "TLW_OFFLINE_GUARD"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_local_host(host: object) -> bool:
    """Return True for a host that names this machine: loopback, wildcard or our hostname.

    Parameters
    ----------
    host
        A host as given to ``connect``/``getaddrinfo``: str, bytes or None.
    """
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()  # "[::1]" and "fe80::1%eth0" forms
    if name in _LOCAL_NAMES or name.endswith(".localhost") or name == socket.gethostname().lower():
        return True
    if name == "":
        return True  # the wildcard address: this machine
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


def is_numeric_host(host: object) -> bool:
    """Return True when ``host`` is an IP literal (resolving it sends nothing)."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _refuse(action: str, target: object) -> str:
    """Log one refused attempt and return the message the error should carry."""
    line = f"pid={os.getpid()} {action} {target!r} argv={sys.argv!r}\n"
    log = os.environ.get(LOG_ENV)
    if log:
        # One O_APPEND write per line keeps lines whole when several processes log at once.
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
    return f"offline guard: {action} {target!r} refused (the course must work offline)"


# Where each guarded socket method takes its address: sendto(data[, flags], address) and
# sendmsg(buffers[, ancdata[, flags[, address]]]).
_ADDRESS_OF: dict[str, Callable[[tuple[Any, ...]], Any]] = {
    "connect": lambda args: args[0] if args else None,
    "connect_ex": lambda args: args[0] if args else None,
    "sendto": lambda args: args[-1] if len(args) >= 2 else None,
    "sendmsg": lambda args: args[3] if len(args) >= 4 else None,
}


def _guard_method(name: str) -> None:
    """Wrap ``socket.socket.<name>`` so a non-local address is refused before the call."""
    original = getattr(socket.socket, name)
    address_of = _ADDRESS_OF[name]

    def guarded(self: socket.socket, *args: Any) -> Any:
        address = address_of(args)
        if address is not None and self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) and address else address
            if not is_local_host(host):
                raise OSError(_refuse(name, address))
        return original(self, *args)

    guarded.__name__ = guarded.__qualname__ = name
    guarded.__doc__ = original.__doc__
    setattr(socket.socket, name, guarded)


def _guard_resolver(name: str) -> None:
    """Wrap ``socket.<name>`` so only local and numeric hosts are resolved (no DNS query)."""
    original: Callable[..., Any] = getattr(socket, name)

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not (is_local_host(host) or is_numeric_host(host)):
            raise socket.gaierror(socket.EAI_NONAME, _refuse(name, host))
        return original(host, *args, **kwargs)

    guarded.__name__ = guarded.__qualname__ = name
    guarded.__doc__ = original.__doc__
    setattr(socket, name, guarded)


def install() -> None:
    """Install the guard in this process (idempotent)."""
    if getattr(socket, "_tlw_offline_guard", False):
        return
    for method in _ADDRESS_OF:
        _guard_method(method)
    for resolver in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        _guard_resolver(resolver)
    socket._tlw_offline_guard = True  # type: ignore[attr-defined]


def _run_shadowed_sitecustomize() -> None:
    """Run the ``sitecustomize`` this file hides, if Python had one (Debian's, for instance)."""
    here = os.path.dirname(os.path.abspath(__file__))
    others = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", others)
    if spec is not None and spec.loader is not None:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


if __name__ == "sitecustomize":
    _run_shadowed_sitecustomize()
if os.environ.get(LOG_ENV):
    install()
