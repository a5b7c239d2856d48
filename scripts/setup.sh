#!/usr/bin/env bash
# Installs what the build, the demo and the tests need, and nothing when it is already there.
# Debian packages come from apt; Python packages go into .venv, pinned by requirements.txt
# and constraints.txt. Quiet when nothing is missing; safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  clang-14 libclang-rt-14-dev llvm-14
  libboost1.81-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev prometheus-cpp-dev
  portaudio19-dev libsndfile1-dev libsoxr-dev libsystemd-dev systemd
  python3 python3-venv espeak-ng sox procps curl
  chromium chromium-driver
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The venv is rebuilt only when the pinned requirements change (their hash is the stamp).
VENV=.venv
stamp_want=$(cat requirements.txt constraints.txt worker/pyproject.toml clients/python/pyproject.toml | sha256sum | cut -d' ' -f1)
stamp_have=$(cat "$VENV/.setup-stamp" 2>/dev/null || true)
if [ "$stamp_want" != "$stamp_have" ]; then
  echo "setup: preparing Python venv in $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -e worker
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -e clients/python
  echo "$stamp_want" > "$VENV/.setup-stamp"
fi
