#!/usr/bin/env bash
# System packages the terminal and its tests need, from Debian's archive:
#   socat          — pseudo-terminal pairs for the wire-level serial tests and virtual devices
#   python3, make, g++ — node-gyp, for native addons built from source (better-sqlite3)
#   libusb-1.0-0   — the USB library node-hid's binding loads for HID card readers
#   openssl        — throwaway CA and certificates for the TLS tests and `pos host-sim --tls`
#   systemd        — systemd-analyze, to verify and score the service unit in the tests
#   mount          — mount/umount: tmpfs and read-only bind mounts for the disk-full and read-only tests (as root)
#   pcscd          — the PC/SC daemon the chip reader driver talks to (test/tiers/pcscd.ts starts it for the tests)
#   libpcsclite-dev — PC/SC headers and libpcsclite, for the `smartcard` addon built from source
#   vsmartcard-vpcd — pcscd's virtual reader "Virtual PCD 00 00": the virtual chip cards plug into the real
#                    pcscd through it. DEVELOPMENT AND CI ONLY: it listens on TCP 35963 on every interface,
#                    so whoever reaches that port can insert a card; never install it on a terminal
#                    (systemd/install.sh does not).
# Installs only what is missing; uses sudo when not root.
set -euo pipefail

# Whether Debian package $1 is installed (for packages known by a file no PATH lookup finds).
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

need=()
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v make >/dev/null 2>&1 || need+=(make)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v python3 >/dev/null 2>&1 || need+=(python3)
ldconfig -p 2>/dev/null | grep -q 'libusb-1.0.so.0' || need+=(libusb-1.0-0)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v mount >/dev/null 2>&1 || need+=(mount)
installed pcscd || need+=(pcscd)
installed libpcsclite-dev || need+=(libpcsclite-dev)
installed vsmartcard-vpcd || need+=(vsmartcard-vpcd)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install as root: apt-get install -y ${need[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing system packages: ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# pcscd reads /etc/reader.conf.d only when it starts: a running one would not see the new vpcd reader.
if [[ " ${need[*]} " == *" vsmartcard-vpcd "* ]] && command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet pcscd 2>/dev/null; then
  $sudo systemctl restart pcscd
fi
