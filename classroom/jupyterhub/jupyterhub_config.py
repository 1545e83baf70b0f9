"""JupyterHub for a class: every student gets JupyterLab with the course, from one server.

Start it from the course folder, once ``make lab`` (or ``make cache``) has built the datasets
and ``make student`` has written the student editions::

    .venv/bin/jupyterhub -f classroom/jupyterhub/jupyterhub_config.py

What it sets up (``docs/jupyterhub.md`` explains each choice and sizes the server):

- the course preinstalled: each student's server is this course's ``.venv``
  (``start_student.sh`` runs ``.venv/bin/jupyterhub-singleuser``), so nothing is installed
  per student and every kernel sees the same versions;
- each student's own, writable copy of the student editions, made in ``~/tlwidgets`` at their
  first login and never overwritten afterwards; JupyterLab opens lesson 00 in it;
- the shared, read-only dataset cache: ``TLW_DATA_HOME`` points every kernel at the course's
  ``datasets/`` folder, which the instructor built once; kernels only read it (each file
  checked against its sha256), so students cannot damage it and nothing is built 30 times;
- per-student limits: CPU threads (``OMP_NUM_THREADS`` and friends, read by PyTorch and
  NumPy), and ``mem_limit`` / ``cpu_limit``, which only some spawners enforce (see below).

Two modes, chosen by ``TLW_HUB_MODE``:

- ``system`` (the default): students are system accounts on this machine in the group
  ``TLW_HUB_GROUP`` (default ``students``), logged in with their password (PAM);
  ``TLW_HUB_ADMINS`` (comma-separated) names the instructors. Each server runs as its
  student (``LocalProcessSpawner``), or, when the ``jupyterhub-systemdspawner`` package is
  installed, in a systemd unit that enforces the memory and CPU limits. Run the hub as root.
  On one server the Littlest JupyterHub does all of this for you (it uses the systemd
  spawner); on Kubernetes, Zero to JupyterHub's KubeSpawner reads the same ``mem_limit`` /
  ``cpu_limit`` settings.
- ``trial``: for trying the setup, and for the test: any name from ``TLW_HUB_USERS``
  (comma-separated; anyone if unset) logs in with the shared password ``TLW_HUB_PASSWORD``
  (``DummyAuthenticator``), and every server runs as the hub's own user with its home in
  ``TLW_HUB_HOMES/<name>`` (``SimpleLocalProcessSpawner``). There is no isolation between
  students: never use it with real students.

Other settings, all optional: ``TLW_HUB_VENV`` (the course's venv, default ``.venv``),
``TLW_HUB_BIND_URL`` (default ``http://127.0.0.1:8000``; put a TLS proxy in front for a real
class), ``TLW_HUB_EDITION`` (the notebooks copied to each student, default the course's
``student/``), ``TLW_HUB_DATA_HOME`` (default the course's ``datasets/``),
``TLW_HUB_THREADS`` (CPU threads per student, default 2) and ``TLW_HUB_MEM`` (memory per
student; its default is the limit docs/jupyterhub.md derives from the measurements).
The hub keeps its database and cookie secret in the folder it is started from.
"""

import importlib.util
import os
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub's config loader defines get_config)

HERE = Path(__file__).resolve().parent
COURSE = HERE.parents[1]  # the course checkout: .venv, notebooks/, datasets/, student/
VENV = os.environ.get("TLW_HUB_VENV", str(COURSE / ".venv"))  # the course installed in it
MODE = os.environ.get("TLW_HUB_MODE", "system")
MODES = ("system", "trial")
if MODE not in MODES:
    raise ValueError(f"TLW_HUB_MODE={MODE!r}; choose one of {MODES}")

c.JupyterHub.bind_url = os.environ.get("TLW_HUB_BIND_URL", "http://127.0.0.1:8000")
# The proxy JupyterHub starts: the copy `npm ci --prefix classroom/jupyterhub` installs
# (package-lock.json pins it), else a configurable-http-proxy found on PATH.
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
if PROXY.exists():
    c.ConfigurableHTTPProxy.command = [str(PROXY)]

# The course preinstalled: every student's server is the course's venv. The start script
# runs as the student: it copies the student editions once, then starts the server there.
c.Spawner.cmd = [str(HERE / "start_student.sh")]
c.Spawner.args = ["--LabApp.extension_manager=readonly"]  # as `make lab`: no index lookups
c.Spawner.default_url = "/lab/tree/00_start_here.ipynb"
c.Spawner.start_timeout = 120  # a busy server imports PyTorch slowly
c.Spawner.http_timeout = 120

THREADS = os.environ.get("TLW_HUB_THREADS", "2")
c.Spawner.environment = {
    "TLW_VENV": VENV,
    "TLW_EDITION": os.environ.get("TLW_HUB_EDITION", str(COURSE / "student")),
    # Read-only for students; a complete, verified cache is only ever read.
    "TLW_DATA_HOME": os.environ.get("TLW_HUB_DATA_HOME", str(COURSE / "datasets")),
    # PyTorch, NumPy and scikit-learn start one thread per core by default: 30 students on a
    # 16-core server would run 480 threads fighting over 16 cores.
    "OMP_NUM_THREADS": THREADS,
    "MKL_NUM_THREADS": THREADS,
    "OPENBLAS_NUM_THREADS": THREADS,
    "TLW_DEVICE": "cpu",  # a shared GPU would need its own plan; the course needs none
}
# Enforced by SystemdSpawner (Littlest JupyterHub), KubeSpawner (Zero to JupyterHub) and
# DockerSpawner; LocalProcessSpawner and SimpleLocalProcessSpawner only pass them on to the
# server as MEM_LIMIT and CPU_LIMIT, without enforcing anything.
c.Spawner.mem_limit = os.environ.get("TLW_HUB_MEM", "2.5G")  # docs/jupyterhub.md derives it
c.Spawner.cpu_limit = float(THREADS)

if MODE == "trial":
    c.JupyterHub.authenticator_class = "dummy"
    if not os.environ.get("TLW_HUB_PASSWORD"):
        raise ValueError("TLW_HUB_MODE=trial needs TLW_HUB_PASSWORD, the shared password")
    c.DummyAuthenticator.password = os.environ["TLW_HUB_PASSWORD"]
    users = {name.strip() for name in os.environ.get("TLW_HUB_USERS", "").split(",")}
    users.discard("")
    if users:
        c.Authenticator.allowed_users = users
    else:
        c.Authenticator.allow_all = True
    c.JupyterHub.spawner_class = "simple"  # no system users; no isolation between them
    homes = os.environ.get("TLW_HUB_HOMES", str(Path.cwd() / "homes"))
    c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(homes, "{username}")
    if os.geteuid() == 0:  # every server runs as the hub's user; jupyter refuses root unless
        c.Spawner.args.append("--ServerApp.allow_root=True")
else:
    c.JupyterHub.authenticator_class = "pam"
    # Only the members of this system group log in (useradd -m -G students student01).
    c.PAMAuthenticator.allowed_groups = {os.environ.get("TLW_HUB_GROUP", "students")}
    admins = {name.strip() for name in os.environ.get("TLW_HUB_ADMINS", "").split(",")}
    c.Authenticator.admin_users = admins - {""}  # they see /hub/admin and every server
    # SystemdSpawner enforces mem_limit and cpu_limit, and gives each server a private /tmp;
    # without it, LocalProcessSpawner runs each server as its student, with no limits.
    if importlib.util.find_spec("systemdspawner") is not None:
        c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    else:
        c.JupyterHub.spawner_class = "localprocess"
