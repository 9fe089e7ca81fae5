#!/usr/bin/env bash
# The end-to-end tests run the real Alertmanager and Prometheus (and amtool) and drive the TUI
# under tmux; the README walkthrough uses curl and jq; the bastion security tests run the real
# sudo (and runuser, from util-linux, always present).
# Installs the Debian packages when they are missing and we may (root + apt-get); otherwise says how.
set -euo pipefail
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v sudo >/dev/null 2>&1 || need+=(sudo)
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools: installing ${need[*]} (Debian packages)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "ensure-tools: missing ${need[*]}: run 'sudo apt-get install -y ${need[*]}' first" >&2
  exit 1
fi
