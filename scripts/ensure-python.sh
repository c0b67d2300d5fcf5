#!/usr/bin/env bash
# Make sure the interpreter can create a virtual environment; on Debian/Ubuntu that needs python3-venv.
set -euo pipefail
python="${1:-python3}"
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "Tengri needs Python 3.11 or newer ($python is $("$python" --version 2>&1))." >&2
  exit 1
fi
if "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing python3-venv (Debian package) ..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
else
  echo "Python's venv module is missing: install python3-venv (sudo apt-get install python3-venv)." >&2
  exit 1
fi
