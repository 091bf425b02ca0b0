#!/usr/bin/env bash
# A real Secret Service (gnome-keyring) for a machine without a desktop session: a private D-Bus
# session bus and a gnome-keyring-daemon on it whose login keyring is unlocked with a throw-away
# password. The keyring files live under DIR, never in the user's home.
#
#   eval "$(scripts/secret-service.sh start DIR)"   # prints the variables to export (DBUS_SESSION_BUS_ADDRESS …)
#   liangxian init …                                  # keyring's SecretService backend now works
#   scripts/secret-service.sh stop DIR              # ends the daemons it started
#
# Needs the Debian packages dbus-daemon (or dbus-x11), gnome-keyring and libsecret-tools
# (scripts/setup-system.sh installs them). Tests use it through the `secret_service` fixture.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 64
fi

case "$cmd" in
start)
  for tool in dbus-daemon gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || { echo "secret-service: $tool is not installed (scripts/setup-system.sh)" >&2; exit 69; }
  done
  mkdir -p "$dir/runtime" "$dir/data" "$dir/config" "$dir/home"
  chmod 700 "$dir" "$dir/runtime"
  dir=$(cd "$dir" && pwd)
  export XDG_RUNTIME_DIR="$dir/runtime" XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" HOME="$dir/home"
  address="unix:path=$dir/runtime/bus"
  dbus-daemon --session --fork --address="$address" --print-pid=1 --nopidfile >"$dir/dbus.pid"
  export DBUS_SESSION_BUS_ADDRESS="$address"
  # a throw-away password: the keyring only has to be unlocked for this session
  password=$(head -c 18 /dev/urandom | base64)
  # in the foreground of a background job, so that $! is the daemon's own pid (stop ends it by that)
  printf '%s' "$password" | setsid gnome-keyring-daemon --foreground --unlock --components=secrets \
    >"$dir/gkd.log" 2>&1 &
  echo $! >"$dir/gkd.pid"
  # wait until the service answers on the bus (at most ~5 s)
  for _ in $(seq 50); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
      break
    fi
    sleep 0.1
  done
  echo "export DBUS_SESSION_BUS_ADDRESS='$address'"
  echo "export XDG_RUNTIME_DIR='$dir/runtime'"
  echo "export PYTHON_KEYRING_BACKEND='keyring.backends.SecretService.Keyring'"
  ;;
stop)
  for f in "$dir/gkd.pid" "$dir/dbus.pid"; do
    if [ -s "$f" ]; then
      kill "$(cat "$f")" 2>/dev/null || true
      rm -f "$f"
    fi
  done
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2
  exit 64
  ;;
esac
