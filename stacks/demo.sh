#!/usr/bin/env bash
# The offline demo: start the GitHub API emulator on 127.0.0.1, run `pulumi preview` and `pulumi up`
# on the demo stack (stacks/Pulumi.demo.yaml) against it with a temporary local backend, show the
# stack's outputs, then stop the emulator and remove everything the demo made.
#
#   stacks/demo.sh            # from any directory; needs the Pulumi CLI and the README's .venv
#
# Nothing leaves the machine: the emulator listens on loopback, state goes to a temporary directory,
# and no plugin is downloaded (the demo stack uses none). The repository is left untouched: the
# stack's secrets and the emulator's address are set in a scratch copy of the project.
# Environment: PYTHON (default: .venv/bin/python), PULUMI_CONFIG_PASSPHRASE (default: demo).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"

if ! command -v pulumi >/dev/null 2>&1; then
    echo "demo: the Pulumi CLI is not on PATH; install it: https://www.pulumi.com/docs/install/" >&2
    exit 1
fi
if [ ! -x "$python" ]; then
    echo "demo: no Python at $python; run the README's set-up command first (or set PYTHON)" >&2
    exit 1
fi

# --- start-up: begin (tests/doors/test_stack_program.py runs this block alone, many times over)
work="$(mktemp -d "${TMPDIR:-/tmp}/github-private-registries-demo.XXXXXX")"
emulator_pid=""
cleanup() {
    if [ -n "$emulator_pid" ]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The emulator, on a free port; it prints "emulator listening on URL" once it serves. Its log is
# made first: the background job creates it only once it gets to run, which may be after the first
# read below (sed on a missing file exits 2, and `set -e` would end the demo there).
: >"$work/emulator.log"
"$python" -u -m pulumi_github_private_registry.emulator --port 0 --token demo-token >"$work/emulator.log" 2>&1 &
emulator_pid=$!
url=""
for _ in $(seq 1 100); do
    url="$(sed -n 's/^emulator listening on //p' "$work/emulator.log" 2>/dev/null || true)"
    [ -n "$url" ] && break
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [ -z "$url" ]; then
    echo "demo: the emulator did not start:" >&2
    cat "$work/emulator.log" >&2
    exit 1
fi
echo "demo: GitHub API emulator at $url"
# --- start-up: end

# A scratch copy of the project, using the same virtualenv.
mkdir -p "$work/project/stacks" "$work/state"
cp "$root/Pulumi.yaml" "$work/project/"
cp "$root"/stacks/*.py "$root/stacks/Pulumi.demo.yaml" "$work/project/stacks/"
ln -s "$(cd "$(dirname "$python")/.." && pwd)" "$work/project/.venv"

export PULUMI_BACKEND_URL="file://$work/state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-demo}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# The stack config alone says where GitHub is and who we are.
unset GITHUB_TOKEN GITHUB_BASE_URL GITHUB_OWNER
cd "$work/project"

pulumi stack init demo
pulumi config set github:baseUrl "$url"
# Secrets go in through stdin, as `pulumi config set --secret` reads them when not given.
printf '%s' demo-token | pulumi config set --secret github:token
printf '%s' demo-npm-token | pulumi config set --secret github-private-registries:npmToken
printf '%s' demo-maven-password | pulumi config set --secret github-private-registries:mavenPassword
printf '%s' demo-pypi-token | pulumi config set --secret github-private-registries:labsPypiToken

pulumi preview
pulumi up --yes
pulumi stack output registries
echo "demo: done; stopping the emulator and removing the demo's state"
