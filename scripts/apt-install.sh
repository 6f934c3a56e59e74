#!/usr/bin/env bash
# apt-install.sh PACKAGE... - installs Debian packages (as root, or through sudo), refreshing the
# package lists once when the first attempt finds nothing to install from.
set -euo pipefail
sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo"
install() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null; }
install "$@" || { $sudo apt-get update >/dev/null && install "$@"; }
