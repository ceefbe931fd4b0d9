#!/usr/bin/env bash
# Installs the official CloudTower Python SDK into a venv under target/ (once) and runs
# scripts/cloudtower-sdk-check.py against a running simulator.
# Usage: scripts/cloudtower-sdk-check.sh BASE_URL PASSWORD   (BASE_URL ends in /v2/api)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sdk_version="2.23.0"
venv="${CARGO_TARGET_DIR:-$root/target}/cloudtower-sdk-venv"
if ! "$venv/bin/python" -c "import cloudtower" 2>/dev/null \
    || [ "$(cat "$venv/.sdk-version" 2>/dev/null)" != "$sdk_version" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --retries 5 --timeout 60 \
    "cloudtower-sdk==$sdk_version"
  echo "$sdk_version" > "$venv/.sdk-version"
fi
exec "$venv/bin/python" "$root/scripts/cloudtower-sdk-check.py" "$@"
