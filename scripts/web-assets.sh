#!/usr/bin/env bash
# Install the dashboard's third-party browser assets (and the API docs' Swagger UI and ReDoc)
# from the npm registry and copy the few files it serves into src/forewarn/web/static/vendor/ (git-ignored; served by the app, never
# from a CDN). Versions are pinned by package.json and package-lock.json at the repository
# root. Idempotent: nothing is done when the vendor folder already matches the lock file.
# npm ci runs only when node_modules does not match the lock file. Needs Node.js with npm
# (unless the vendor folder is already current). Run it: bash scripts/web-assets.sh
set -euo pipefail
_fw_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_fw_vendor="$_fw_root/src/forewarn/web/static/vendor"

# package file -> vendor file
_fw_assets=(
  "d3/dist/d3.min.js:d3.min.js"
  "topojson-client/dist/topojson-client.min.js:topojson-client.min.js"
  "world-atlas/countries-110m.json:countries-110m.json"
  "swagger-ui-dist/swagger-ui-bundle.js:swagger-ui-bundle.js"
  "swagger-ui-dist/swagger-ui.css:swagger-ui.css"
  "redoc/bundles/redoc.standalone.js:redoc.standalone.js"
  "d3/LICENSE:licenses/d3.txt"
  "topojson-client/LICENSE:licenses/topojson-client.txt"
  "world-atlas/LICENSE:licenses/world-atlas.txt"
  "swagger-ui-dist/LICENSE:licenses/swagger-ui-dist.txt"
  "redoc/LICENSE:licenses/redoc.txt"
)

_fw_say() { echo "web-assets.sh: $*" >&2; }

_fw_stamp() {
  # The lock file, this script and the vendor file list decide whether a copy is current.
  cat "$_fw_root/package-lock.json" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1
}

_fw_current() {
  local pair
  [ -f "$_fw_vendor/.stamp" ] && [ "$(cat "$_fw_vendor/.stamp")" = "$(_fw_stamp)" ] || return 1
  for pair in "${_fw_assets[@]}"; do
    [ -s "$_fw_vendor/${pair#*:}" ] || return 1
  done
}

_fw_manifest() {
  # name and version of every package a vendor file comes from, read from the lock file
  node -e '
    const lock = require(process.argv[1]);
    const names = process.argv.slice(2);
    const out = {};
    for (const n of names) out[n] = lock.packages["node_modules/" + n].version;
    console.log(JSON.stringify({source: "npm registry, pinned by package-lock.json", packages: out}, null, 2));
  ' "$_fw_root/package-lock.json" d3 topojson-client world-atlas swagger-ui-dist redoc
}

_fw_build() {
  local pair from to
  command -v npm >/dev/null 2>&1 || { _fw_say "npm not found: install Node.js with npm"; return 1; }
  if ! cmp -s "$_fw_root/package-lock.json" "$_fw_root/node_modules/.forewarn-lock" 2>/dev/null; then
    _fw_say "installing the dashboard's npm packages (npm ci)"
    (cd "$_fw_root" && npm ci --no-audit --no-fund --loglevel=error) >&2 || return 1
    cp "$_fw_root/package-lock.json" "$_fw_root/node_modules/.forewarn-lock"
  fi
  rm -rf "$_fw_vendor"
  mkdir -p "$_fw_vendor/licenses"
  for pair in "${_fw_assets[@]}"; do
    from="$_fw_root/node_modules/${pair%%:*}" to="$_fw_vendor/${pair#*:}"
    [ -s "$from" ] || { _fw_say "missing after npm ci: $from"; return 1; }
    cp "$from" "$to"
  done
  _fw_manifest >"$_fw_vendor/manifest.json"
  _fw_stamp >"$_fw_vendor/.stamp"
  _fw_say "copied ${#_fw_assets[@]} files into ${_fw_vendor#"$_fw_root"/}"
}

if _fw_current; then
  _fw_say "vendor assets are up to date"
else
  _fw_build
fi
