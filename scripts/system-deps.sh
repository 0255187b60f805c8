#!/usr/bin/env bash
# Install the system libraries and tools that printable briefs need (idempotent).
#
#   libpango-1.0-0, libpangoft2-1.0-0  text layout for WeasyPrint (HTML -> PDF)
#   libharfbuzz-subset0                fast font subsetting for WeasyPrint; without it
#                                      WeasyPrint falls back to fontTools, several times slower
#   fonts-dejavu-core                  the briefs' font (Latin, with Indonesian's characters)
#   poppler-utils                      pdftoppm / pdftotext, used by the tests to check PDFs
#
# Run it with bash (scripts/setup.sh calls it). Packages already installed are skipped, so a
# second run does nothing and needs no network. Installing needs root (apt-get, noninteractive);
# as another user it only lists what is missing. Under CI=true a failure is fatal; elsewhere
# the PDF tests that need a missing tool are skipped with their reason.
set -uo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils)

say() { echo "system-deps.sh: $*" >&2; }

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

fail() {
  say "$1"
  if [ "${CI:-}" = true ]; then
    exit 1
  fi
  exit 0
}

if [ "$(id -u)" != 0 ]; then
  fail "missing ${missing[*]}; not root: install them with apt-get"
fi
if ! command -v apt-get >/dev/null 2>&1; then
  fail "missing ${missing[*]}; no apt-get on this system: install them with its package manager"
fi
say "installing ${missing[*]} with apt-get"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  --no-install-recommends "${missing[@]}"; } >&2; then
  fail "apt-get could not install ${missing[*]}"
fi
