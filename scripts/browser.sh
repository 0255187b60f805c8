#!/usr/bin/env bash
# Make Debian's Chromium available to the browser tests and export FOREWARN_CHROMIUM.
#
# Source it (". scripts/browser.sh"); scripts/test.sh does. When /usr/bin/chromium is
# missing it installs the Debian packages chromium and chromium-driver with apt-get (as root,
# noninteractive). The tests drive that browser with Python Playwright and never download a
# browser build of their own. Under CI=true a failure is fatal; elsewhere the browser tests
# are skipped with their reason.

_fw_browser_say() { echo "browser.sh: $*" >&2; }

_fw_browser_install() {
  if [ "$(id -u)" != 0 ]; then
    _fw_browser_say "/usr/bin/chromium is missing and not root: install chromium first"
    return 1
  fi
  _fw_browser_say "installing chromium with apt-get"
  apt-get update -qq >&2 || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >&2 || return 1
}

if [ -x /usr/bin/chromium ] || _fw_browser_install; then
  export FOREWARN_CHROMIUM=/usr/bin/chromium
  _fw_browser_say "$(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
elif [ "${CI:-}" = true ]; then
  _fw_browser_say "could not install chromium and CI=true: failing"
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
else
  _fw_browser_say "no chromium: the browser tests will be skipped"
fi
