#!/usr/bin/env bash
# Debian packages Rescue needs beyond Python: FFmpeg's development files to build vpdq (video
# PDQ) from source, and ffmpeg itself, which the tests use to make benign test-pattern videos;
# Pango, HarfBuzz's subsetter and a font for WeasyPrint's referral PDFs (without the subsetter
# WeasyPrint warns at import, which fails the tests: warnings are errors there); and openssl,
# with which a test checks a package's signature the way a partner without Rescue would; and
# Chromium, which the browser tests drive through Playwright (Debian's build, so Playwright never
# downloads a browser of its own).
# Installs only what is missing; needs root (or sudo) and Debian's package registry.
set -euo pipefail
packages=(cmake pkg-config libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
          libswresample-dev libavdevice-dev libavfilter-dev ffmpeg
          libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core openssl
          chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
# apt and debconf chatter on stderr even with -qq (e.g. "delaying package configuration"): keep
# their output in a log and show it only when the install fails. DEBIAN_FRONTEND goes through
# env because sudo resets the environment.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $sudo apt-get update -qq &&
       $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1
then
  cat "$log" >&2
  echo "Installing Debian packages failed: ${missing[*]}" >&2
  exit 1
fi
