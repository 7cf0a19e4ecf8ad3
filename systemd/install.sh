#!/usr/bin/env bash
# Installs pos-terminal as a service on Raspberry Pi OS (Debian): Node ≥ 20, the service user,
# folders with their modes, the app, the systemd unit, the udev rules, a config template, the
# device keys and the ECR API's bearer token. Idempotent: running it again changes nothing that is
# already right, and never overwrites a config, a key or the token.
#
#   sudo systemd/install.sh              install on this machine
#   systemd/install.sh --dry-run         print every action, change nothing
#   systemd/install.sh --root DIR        install the files into DIR (a throwaway root: no user,
#                                        no packages, no ownership, no systemctl/udevadm)
#   --source DIR                         the built project to install (default: this repository)
set -euo pipefail

DRY_RUN=0
ROOT=""
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICE_USER=pos-terminal
NODE_MIN_MAJOR=20

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --root) ROOT="${2:?--root needs a folder}"; shift ;;
    --root=*) ROOT="${1#--root=}" ;;
    --source) SOURCE="${2:?--source needs a folder}"; shift ;;
    --source=*) SOURCE="${1#--source=}" ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
ROOT="${ROOT%/}"
if [ -n "$ROOT" ] && [ "$DRY_RUN" -eq 0 ] && [ ! -d "$ROOT" ]; then
  echo "install.sh: --root $ROOT is not a folder" >&2; exit 2
fi
if [ -z "$ROOT" ] && [ "$DRY_RUN" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (or use --dry-run / --root DIR)" >&2; exit 1
fi

APP_DIR=/opt/pos-terminal
STATE_DIR=/var/lib/pos-terminal
CONFIG_DIR=/etc/pos-terminal
KEY_DIR=$CONFIG_DIR/keys
UNIT=/etc/systemd/system/pos-terminal.service
RULES=/etc/udev/rules.d/99-pos-terminal.rules

# Every change goes through `act`: printed always, run unless --dry-run.
act() {
  echo "+ $*"
  if [ "$DRY_RUN" -eq 0 ]; then "$@"; fi
}
note() { echo "= $*"; }
# Ownership only on a real system: a throwaway root has no service user.
owner() { if [ -z "$ROOT" ]; then echo "-o $1 -g $2"; fi; }

# ── Node.js ≥ 20 ──────────────────────────────────────────────────────────
node_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -n "$ROOT" ]; then
  note "skip (--root): Node.js check; the unit runs /usr/bin/node (>= $NODE_MIN_MAJOR)"
elif [ "$(node_major)" -ge "$NODE_MIN_MAJOR" ]; then
  note "Node.js $(node --version) found"
else
  act apt-get install -y nodejs
  if [ "$DRY_RUN" -eq 0 ] && [ "$(node_major)" -lt "$NODE_MIN_MAJOR" ]; then
    echo "install.sh: the distribution's Node.js is older than $NODE_MIN_MAJOR; install Node $NODE_MIN_MAJOR+ (e.g. from NodeSource) and run again" >&2
    exit 1
  fi
fi

# ── Build tools for the native addons (better-sqlite3, node-hid, serialport, smartcard), libusb,
#    and pcscd with the CCID driver for USB chip readers (never vsmartcard-vpcd: it is a virtual
#    reader anyone on the network could put a card into, for development machines only) ──
if [ -n "$ROOT" ]; then
  note "skip (--root): system packages"
else
  need=()
  for tool in python3 make g++; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
  ldconfig -p 2>/dev/null | grep -q 'libusb-1.0.so.0' || need+=(libusb-1.0-0)
  for pkg in pcscd libccid libpcsclite-dev; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
  if [ ${#need[@]} -gt 0 ]; then act apt-get install -y "${need[@]}"; else note "build tools, libusb and pcscd present"; fi
fi

# ── The service user: no login, in dialout (serial) and plugdev (hidraw) ──
if [ -n "$ROOT" ]; then
  note "skip (--root): service user $SERVICE_USER"
elif id -u "$SERVICE_USER" >/dev/null 2>&1; then
  note "user $SERVICE_USER exists"
  act usermod -a -G dialout,plugdev "$SERVICE_USER"
else
  act useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin --groups dialout,plugdev "$SERVICE_USER"
fi

# ── Folders ───────────────────────────────────────────────────────────────
# shellcheck disable=SC2046 # owner's words are meant to split
act install -d -m 0755 "$ROOT$APP_DIR"
act install -d -m 0755 "$ROOT$CONFIG_DIR"
act install -d -m 0700 $(owner "$SERVICE_USER" "$SERVICE_USER") "$ROOT$STATE_DIR"
act install -d -m 0700 $(owner "$SERVICE_USER" "$SERVICE_USER") "$ROOT$KEY_DIR"
act install -d -m 0755 "$ROOT/etc/systemd/system" "$ROOT/etc/udev/rules.d"

# ── The app: the compiled JavaScript and its manifest ─────────────────────
if [ ! -f "$SOURCE/dist/src/cli/main.js" ] || [ ! -f "$SOURCE/dist/pos/pos.js" ]; then
  echo "install.sh: $SOURCE/dist is missing: run npm run build first" >&2; exit 1
fi
act rm -rf "$ROOT$APP_DIR/dist"
act cp -R "$SOURCE/dist" "$ROOT$APP_DIR/dist"
# The unit's ExecStart: opens the notify socket, then execs node as the main process.
act install -d -m 0755 "$ROOT$APP_DIR/bin"
act install -m 0755 "$SOURCE/systemd/notify-exec" "$ROOT$APP_DIR/bin/notify-exec"
for f in package.json package-lock.json README.md; do
  if [ -f "$SOURCE/$f" ]; then act install -m 0644 "$SOURCE/$f" "$ROOT$APP_DIR/$f"; fi
done
if [ -n "$ROOT" ]; then
  note "skip (--root): npm ci --omit=dev in $APP_DIR"
else
  # --ignore-scripts skips the project's own `prepare` (a build needing dev tools); the native
  # addons' install scripts then run through `npm rebuild`.
  act npm ci --omit=dev --ignore-scripts --no-fund --no-audit --prefix "$APP_DIR"
  act npm rebuild better-sqlite3 node-hid @serialport/bindings-cpp smartcard --prefix "$APP_DIR"
fi

# ── Unit and udev rules ───────────────────────────────────────────────────
act install -m 0644 "$SOURCE/systemd/pos-terminal.service" "$ROOT$UNIT"
act install -m 0644 "$SOURCE/systemd/99-pos-terminal.rules" "$ROOT$RULES"

# ── Config template and key: only when absent, never overwritten ──────────
if [ -e "$ROOT$CONFIG_DIR/config.json" ]; then
  note "keep existing $CONFIG_DIR/config.json"
else
  template='{
  "terminal": { "id": "T0000001", "merchantId": "M00000000000001", "currency": "978", "country": "276" },
  "journal": { "dir": "/var/lib/pos-terminal" },
  "keys": { "dir": "/etc/pos-terminal/keys" },
  "log": { "level": "info" }
}'
  echo "+ write $ROOT$CONFIG_DIR/config.json (mode 0640, simulation template: edit devices and host)"
  if [ "$DRY_RUN" -eq 0 ]; then
    printf '%s\n' "$template" >"$ROOT$CONFIG_DIR/config.json"
    chmod 0640 "$ROOT$CONFIG_DIR/config.json"
    if [ -z "$ROOT" ]; then chown "root:$SERVICE_USER" "$CONFIG_DIR/config.json"; fi
  fi
fi

# A file of 32 random bytes as hex, 0600, owned by the service user; an existing one is kept.
random_key_file() {
  KEY_FILE=$KEY_DIR/$1
  if [ -e "$ROOT$KEY_FILE" ]; then
    note "keep existing $KEY_FILE"
  else
    echo "+ write $ROOT$KEY_FILE (32 random bytes as hex, mode 0600)"
    if [ "$DRY_RUN" -eq 0 ]; then
      (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$ROOT$KEY_FILE" && echo >>"$ROOT$KEY_FILE")
      chmod 0600 "$ROOT$KEY_FILE"
      if [ -z "$ROOT" ]; then chown "$SERVICE_USER:$SERVICE_USER" "$KEY_FILE"; fi
    fi
  fi
}

# The one device secret: the ECR API's bearer token, which the register sends as
# `Authorization: Bearer <token>`. The journal keeps no PAN hash (so no key for
# one), and offline advices are sealed to the acquirer's public key, which the
# acquirer supplies with its other keys: acquirer-advice.pub (store-and-forward only).
random_key_file ecr.token

# ── Tell systemd and udev ─────────────────────────────────────────────────
if [ -n "$ROOT" ]; then
  note "skip (--root): systemctl daemon-reload, enable; udevadm reload and trigger"
else
  act systemctl daemon-reload
  act udevadm control --reload-rules
  act udevadm trigger --subsystem-match=tty --subsystem-match=hidraw
  act systemctl enable pcscd.socket
  act systemctl enable pos-terminal.service
  note "start with: systemctl start pos-terminal; logs: journalctl -u pos-terminal -f"
fi
