#!/bin/sh
# Fetches EasyPrivacy and EasyList from Debian's webext-ublock-origin-chromium package into
# DIR (default: ./filter-lists), for the filter-list tests and for --filter-list.
#
#   scripts/fetch-filter-lists.sh [DIR]
#   CHATONS_AUDIT_FILTER_LISTS_DIR=DIR cargo test --test integration third_party::
#
# The lists are dual-licensed GPL-3.0-or-later / CC-BY-SA-3.0-or-later and are not vendored in
# this repository. Needs apt-get and dpkg-deb (Debian, Ubuntu); no root needed.
set -eu

dir=${1:-filter-lists}
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
# apt-get downloads as the _apt user when it can write there.
chmod 0755 "$work"

(cd "$work" && apt-get download webext-ublock-origin-chromium >/dev/null)
deb=$(ls "$work"/webext-ublock-origin-chromium_*.deb)
dpkg-deb -x "$deb" "$work/root"

found=0
for list in easyprivacy.txt easylist.txt; do
    path=$(find "$work/root" -path '*assets/thirdparties/easylist/*' -name "$list" | head -n 1)
    if [ -z "$path" ]; then
        echo "fetch-filter-lists: $list not found in $(basename "$deb")" >&2
        exit 1
    fi
    cp "$path" "$dir/$list"
    found=$((found + 1))
done

echo "fetch-filter-lists: $found lists in $dir ($(basename "$deb"))"
echo "export CHATONS_AUDIT_FILTER_LISTS_DIR=$(cd "$dir" && pwd)"
