#!/usr/bin/env bash
# Make sure the system tools the course uses are present, installing them with
# apt-get where that is possible. Usage: scripts/ensure-tools.sh dot [tshark] [chromium] [ip] [cjk-font]
# It never fails the build for an optional tool: it prints one clear line instead,
# and the tests that need that tool skip with the reason. `dot` is required.
set -u
want=("$@")
apt_updated=0

pkg_for() {  # command -> Debian package
  case "$1" in
    dot) echo graphviz ;;
    tshark) echo tshark ;;
    chromium) echo chromium ;;
    npm) echo npm ;;
    ip) echo iproute2 ;;
    cjk-font) echo fonts-noto-cjk ;;
    *) echo "$1" ;;
  esac
}

hint_for() {
  case "$1" in
    dot) echo "install Graphviz: 'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), 'sudo dnf install graphviz' (Fedora)" ;;
    tshark) echo "install Wireshark's tshark: 'sudo apt-get install tshark', 'brew install wireshark' or 'sudo dnf install wireshark-cli' (the pcap tests skip without it)" ;;
    chromium) echo "install Chromium: 'sudo apt-get install chromium' or your distribution's package (the site's browser check skips without it)" ;;
    ip) echo "install iproute2: 'sudo apt-get install iproute2' (the kernel trace test, which replays the scenarios in private network namespaces, skips without it)" ;;
    cjk-font) echo "install a CJK font: 'sudo apt-get install fonts-noto-cjk' or your distribution's Noto CJK package (the glossary's Chinese terms show as boxes without it)" ;;
    npm) echo "install Node.js's npm: 'sudo apt-get install npm', 'brew install node' or your distribution's package (the site build fetches its five locked browser packages with it, and Node.js byte-compiles Pyodide's standard library)" ;;
  esac
}

can_apt() {
  command -v apt-get >/dev/null 2>&1 || return 1
  [ "$(id -u)" = 0 ] && return 0
  command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null
}

apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  if [ $apt_updated = 0 ]; then
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    apt_updated=1
  fi
  # tshark asks whether non-root users may capture: answer "no" without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

have() {  # a command on PATH; cjk-font: a font covering Chinese that fontconfig knows
  case "$1" in
    cjk-font) command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

status=0
for tool in "${want[@]}"; do
  if have "$tool"; then continue; fi
  pkg=$(pkg_for "$tool")
  if can_apt; then
    echo "tcplab: installing $pkg (for '$tool') with apt-get ..."
    apt_install "$pkg" || true
  fi
  if ! have "$tool"; then
    echo "tcplab: '$tool' is missing — $(hint_for "$tool")"
    [ "$tool" = dot ] && status=1
  fi
done
exit $status
