#!/bin/sh
# Read a secret from the Latchkey sidecar (or the AWS Secrets Manager Agent) with curl.
#
#   ./get-secret.sh <secret-id> [version-stage]
#
# Environment:
#   LATCHKEY_URL   sidecar base URL (default http://127.0.0.1:2773)
#   AWS_TOKEN      the sidecar token, or file:///path/to/token-file (the agent's convention)
#
# Prints the GetSecretValue JSON ({"ARN", "Name", "VersionId", "SecretString"|"SecretBinary", ...}).
# Exits non-zero with the sidecar's error body on stderr when the secret cannot be read.
set -eu

if [ "$#" -lt 1 ]; then
  echo "usage: $0 <secret-id> [version-stage]" >&2
  exit 2
fi

url="${LATCHKEY_URL:-http://127.0.0.1:2773}"
token="${AWS_TOKEN:?set AWS_TOKEN to the sidecar token (or file:///path)}"
case "$token" in
  file://*) token="$(cat "${token#file://}")" ;;
esac

set -- --get --data-urlencode "secretId=$1" ${2:+--data-urlencode "versionStage=$2"}

# --retry-connrefused: the sidecar may still be starting (as the agent's docs ask clients to retry).
exec curl --silent --show-error --fail-with-body \
  --retry 5 --retry-connrefused --retry-delay 1 \
  -H "X-Aws-Parameters-Secrets-Token: $token" \
  "$@" "$url/secretsmanager/get"
