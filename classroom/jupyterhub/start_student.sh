#!/usr/bin/env bash
# Starts one student's JupyterLab for JupyterHub (jupyterhub_config.py sets it as the spawner's
# command). It runs as the student: on their first login it copies the student editions into
# their own folder, which it never overwrites afterwards (their work stays theirs), then it
# starts the course's jupyterhub-singleuser there, with the arguments the hub passes.
set -euo pipefail
: "${TLW_VENV:?set by jupyterhub_config.py: the course venv}"
: "${TLW_EDITION:?set by jupyterhub_config.py: the notebooks each student gets}"
work="${TLW_STUDENT_DIR:-$HOME/tlwidgets}"
if [[ ! -d $work ]]; then
  [[ -d $TLW_EDITION ]] || { echo "start_student.sh: no $TLW_EDITION (run make student)" >&2; exit 1; }
  mkdir -p "$work.partial"
  cp -R "$TLW_EDITION/." "$work.partial/"
  mv "$work.partial" "$work"  # a login cut short leaves no half copy behind
fi
cd "$work"
exec "$TLW_VENV/bin/jupyterhub-singleuser" "$@"
