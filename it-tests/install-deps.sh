#!/usr/bin/env bash
# Installs the real clients and tools the integration tests drive. Idempotent: packages
# already present are left alone, and nothing is fetched when all of them are there.
set -euo pipefail
pkgs=(diod qemu-utils libnbd-bin nbdkit e2fsprogs dosfstools mtools fdisk gdisk)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
