#!/usr/bin/env bash
# Makes sure tmux is installed: the end-to-end test drives vmdeck in it like a person would.
set -euo pipefail
command -v tmux >/dev/null 2>&1 && exit 0
echo "tmux is missing; installing it for the end-to-end test" >&2
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root or sudo to install tmux" >&2; exit 1; }
  sudo_cmd="sudo -n"
fi
if command -v apt-get >/dev/null 2>&1; then
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq tmux >/dev/null
elif command -v dnf >/dev/null 2>&1; then
  $sudo_cmd dnf install -y -q tmux
elif command -v apk >/dev/null 2>&1; then
  $sudo_cmd apk add --quiet tmux
elif command -v brew >/dev/null 2>&1; then
  brew install tmux
else
  echo "no known package manager; install tmux by hand" >&2
  exit 1
fi
command -v tmux >/dev/null 2>&1
