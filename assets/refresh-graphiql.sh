#!/usr/bin/env bash
# Refresh the vendored GraphiQL playground build in assets/graphiql/.
#
# Downloads the pinned npm packages with `npm pack` (needs the npm registry,
# nothing else), extracts them in a temp dir and copies the browser (UMD)
# builds plus each package's LICENSE into assets/graphiql/. The Rust server
# embeds these files with include_bytes!/include_str!, so after running this
# script rebuild the server (`cargo build`); no network is needed at build or
# run time.
#
# To upgrade: change the versions below, run the script, check the playground
# in a browser (see assets/README.md), update the versions in assets/README.md.
#
# NOTE: GraphiQL 4.1.x is the last line that publishes a UMD bundle
# (graphiql.min.js). GraphiQL 5 ships ESM only and expects an import map /
# bundler, so do not bump GRAPHIQL_VERSION past 4.x without reworking
# index.html/init.js. React 19 no longer publishes UMD builds either, so
# React stays on 18.x (GraphiQL 4 supports React ^18 || ^19).
set -euo pipefail

GRAPHIQL_VERSION="4.1.2"
REACT_VERSION="18.3.1"
REACT_DOM_VERSION="18.3.1"

# Integrity of the tarballs (npm view <pkg>@<ver> dist.integrity). Checked so a
# refresh with unchanged versions reproduces exactly the same files.
GRAPHIQL_INTEGRITY="sha512-rNlzQIAzm6i2KBXmVQWBgLvt0TloxFVB2d18bukvdsvjEuFDHsKx5IVOomL1W1o5WW+tE54+ioHb2AEKzO2cUg=="
REACT_INTEGRITY="sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=="
REACT_DOM_INTEGRITY="sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=="
# Set SKIP_INTEGRITY=1 when deliberately changing versions, then paste the new
# values printed by the script above.

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="${SCRIPT_DIR}/graphiql"

command -v npm >/dev/null || { echo "npm is required" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT

# fetch NAME VERSION EXPECTED_INTEGRITY -> extracts into $WORK/NAME/package
fetch() {
  local name="$1" version="$2" expected="$3"
  local out="${WORK}/${name}"
  mkdir -p "${out}"
  echo ">> npm pack ${name}@${version}"
  local tgz
  tgz="$(cd "${out}" && npm pack --silent "${name}@${version}" | tail -n 1)"
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "${out}/${tgz}" | base64 -w0)"
  echo "   integrity ${actual}"
  if [[ "${SKIP_INTEGRITY:-0}" != "1" && "${actual}" != "${expected}" ]]; then
    echo "integrity mismatch for ${name}@${version}: expected ${expected}" >&2
    exit 1
  fi
  tar -xzf "${out}/${tgz}" -C "${out}"
}

fetch graphiql "${GRAPHIQL_VERSION}" "${GRAPHIQL_INTEGRITY}"
fetch react "${REACT_VERSION}" "${REACT_INTEGRITY}"
fetch react-dom "${REACT_DOM_VERSION}" "${REACT_DOM_INTEGRITY}"

mkdir -p "${DEST}"

# copy SRC DEST_NAME: copy a file, dropping any trailing `sourceMappingURL`
# comment (the .map files are not vendored, so the reference would only
# produce 404s when browser dev tools are open).
copy() {
  sed -E '/^\/[\/*]# sourceMappingURL=.*$/d' "$1" > "${DEST}/$2"
}

copy "${WORK}/graphiql/package/graphiql.min.js" graphiql.min.js
copy "${WORK}/graphiql/package/graphiql.min.css" graphiql.min.css
copy "${WORK}/react/package/umd/react.production.min.js" react.production.min.js
copy "${WORK}/react-dom/package/umd/react-dom.production.min.js" react-dom.production.min.js

cp "${WORK}/graphiql/package/LICENSE" "${DEST}/LICENSE.graphiql"
cp "${WORK}/react/package/LICENSE" "${DEST}/LICENSE.react"
cp "${WORK}/react-dom/package/LICENSE" "${DEST}/LICENSE.react-dom"

echo ">> vendored into ${DEST}:"
ls -l "${DEST}"
echo "index.html and init.js are ours (not downloaded); they were left untouched."
