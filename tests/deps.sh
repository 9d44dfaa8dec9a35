#!/bin/sh
# Installs the Debian 12 packages idnode needs to build, run and test
# (chromium, its driver and a CJK font: the web page's browser test).
# dnsmasq-base: the local DNS server of the heterogeneous-identifier test.
# As root it runs apt-get; otherwise it prints the command to run.
PKGS="build-essential pkg-config libevent-dev libhiredis-dev libc-ares-dev
libssl-dev libjansson-dev libcmocka-dev redis-server redis-tools clang
libclang-rt-14-dev clang-format python3 python3-cryptography curl openssl wrk
nginx-light systemd dnsmasq-base
chromium chromium-driver fonts-wqy-microhei"
missing=""
for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
                grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
        echo "installing:$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq $missing >/dev/null
else
        echo "missing packages; run:"
        echo "  sudo apt-get install -y$missing"
        exit 1
fi
