#!/usr/bin/env bash
# Fetches the official SARIF 2.1.0 JSON schema (OASIS, rtm.5) into DIR, from the npm package
# @microsoft/jest-sarif that ships it, so the SARIF test can validate against the real schema
# without the schema being vendored here. Usage: scripts/fetch-sarif-schema.sh DIR
set -euo pipefail
dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null && tar xzf ./*.tgz)
cp "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$dir/sarif-2.1.0-rtm.5.json"
echo "$dir/sarif-2.1.0-rtm.5.json"
