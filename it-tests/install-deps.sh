#!/usr/bin/env bash
# Installs the real clients and tools the integration tests drive. Idempotent: packages
# already present are left alone, and nothing is fetched when all of them are there.
set -euo pipefail
pkgs=(diod qemu-utils libnbd-bin python3-libnbd nbdkit e2fsprogs dosfstools mtools fdisk gdisk
      qemu-system-x86 busybox-static cpio)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The guest kernel for the VM tests: Debian's, unpacked (not installed, so no initramfs hook
# touches this machine) into a cache the tests read. Skipped when already there.
guest="${VDISK_GUEST_DIR:-$HOME/.cache/vdisk-it/guest}"
if ! ls "$guest"/boot/vmlinuz-* >/dev/null 2>&1; then
  pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$pkg" ] || { $sudo apt-get update -qq; pkg=$(apt-cache depends linux-image-amd64 \
    | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); }
  dl=$(mktemp -d)
  chmod 777 "$dl"
  (cd "$dl" && apt-get download -qq "$pkg" 2>/dev/null)
  rm -rf "$guest.part"; mkdir -p "$guest.part"
  dpkg-deb -x "$dl"/*.deb "$guest.part"
  rm -rf "$dl" "$guest"
  mv "$guest.part" "$guest"
fi
