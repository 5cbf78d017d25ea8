#!/usr/bin/env bash
# Static checks of infra/ (Terraform modules, the sensor's manifests and unit): see check.mjs.
#
#   infra/test/run.sh               the checks (about 2-10 s; the first run installs the npm packages)
#   infra/test/run.sh --self-test   also prove every check fails on a broken copy of infra/ (about 1 min)
#   BULWARK_TF_VALIDATE=1 infra/test/run.sh   also terraform init -backend=false + validate in
#                                   examples/complete (needs the provider registry)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

missing=()
command -v node >/dev/null 2>&1 || missing+=("node (Node.js >= 18; Debian: apt-get install nodejs)")
command -v npm >/dev/null 2>&1 || missing+=("npm (Debian: apt-get install npm)")
command -v terraform >/dev/null 2>&1 || missing+=("terraform >= 1.5 (https://developer.hashicorp.com/terraform/install)")
if ((${#missing[@]})); then
  echo "infra/test/run.sh: missing tools; install:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 18)); then
  echo "infra/test/run.sh: node $(node --version) is too old; install Node.js >= 18" >&2
  exit 2
fi

# npm packages pinned by package-lock.json, installed once into infra/test/node_modules
stamp="$HERE/node_modules/.bulwark-lock"
if [[ ! -f "$stamp" ]] || ! cmp -s "$HERE/package-lock.json" "$stamp"; then
  echo "infra/test/run.sh: installing npm packages (package-lock.json) into infra/test/node_modules" >&2
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$HERE/package-lock.json" "$stamp"
fi

export TF_CLI_CONFIG_FILE="${TF_CLI_CONFIG_FILE:-/dev/null}"
node "$HERE/check.mjs"
if [[ "${1:-}" == "--self-test" ]]; then
  node "$HERE/selftest.mjs"
fi
