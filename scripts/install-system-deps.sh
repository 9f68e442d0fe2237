#!/usr/bin/env bash
# Debian packages the tests need: Chromium for the browser tests (Playwright drives Debian's
# build; it never downloads its own) and the fonts the app bundles in assets/fonts.
set -euo pipefail
packages=(chromium fonts-morisawa-bizud-gothic fonts-nanum)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
