#!/bin/sh
# A database client that keeps working through secret rotations: curl + jq for the sidecar, psql or mariadb for
# the database (chosen by the secret's "engine"). It opens a connection per query, the worst case for a rotation.
#
#   DB_SECRET_ID=prod/db AWS_TOKEN=file:///var/run/latchkey/token ./db-client.sh
#
# Environment (the names of packages/sidecar/deploy/kubernetes.yaml and ecs-task-definition.json):
#   SECRETS_URL            the sidecar (default http://127.0.0.1:2773)
#   AWS_TOKEN              the sidecar token, or file:///path (also AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN)
#   DB_SECRET_ID           the database secret ({engine, host, port, dbname, username, password})
#   QUERY_INTERVAL_MS      pause between queries (default 1000)
#   SIDECAR_WAIT_SECONDS   how long to wait for the sidecar at start-up (default 30)
# Prints one line per query and per retry; never a secret value.
set -u

url="${SECRETS_URL:-http://127.0.0.1:2773}"
secret_id="${DB_SECRET_ID:?set DB_SECRET_ID to the database secret's name or ARN}"
interval_ms="${QUERY_INTERVAL_MS:-1000}"
wait_seconds="${SIDECAR_WAIT_SECONDS:-30}"

read_token() {
  for name in AWS_TOKEN AWS_SESSION_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN; do
    eval "value=\${$name:-}"
    [ -n "$value" ] || continue
    case "$value" in
      file://*) cat "${value#file://}" ;;
      *) printf '%s' "$value" ;;
    esac
    return 0
  done
  echo "set AWS_TOKEN (or AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN) to the sidecar token" >&2
  exit 2
}

now_ms() { date +%s%3N; } # GNU date (Debian)
pause_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }

# get_secret [name=value ...]: GET /secretsmanager/get with extra parameters; sets version, engine, host, port,
# dbname, username, password. Returns 1 when the sidecar refused (error holds its answer), 2 when unreachable.
get_secret() {
  response=$(curl --silent --max-time 5 --get --write-out '\n%{http_code}' \
    -H "X-Aws-Parameters-Secrets-Token: $(read_token)" \
    --data-urlencode "secretId=$secret_id" ${1:+--data-urlencode "$1"} ${2:+--data-urlencode "$2"} \
    "$url/secretsmanager/get") || { error="sidecar not reachable at $url"; return 2; }
  status=${response##*"
"}
  body=${response%"
"*}
  if [ "$status" != 200 ]; then
    error="sidecar answered $status: $body"
    [ "$status" -ge 500 ] && return 2
    return 1
  fi
  # jq's @sh quotes every value for the shell, so eval assigns them as they are.
  eval "$(printf '%s' "$body" | jq -r '.VersionId as $v | .SecretString | fromjson |
    @sh "version=\($v) engine=\(.engine // "") host=\(.host // "127.0.0.1") port=\(.port // "" | tostring) dbname=\(.dbname // "") username=\(.username) password=\(.password)"')"
}

# run_query: connects with the credentials held, runs SELECT 1, disconnects. 1 = the login was refused.
run_query() {
  case "$engine" in
    postgres | aurora-postgresql)
      error=$(PGPASSWORD=$password PGCONNECT_TIMEOUT=5 psql -X -w -q -t -A -h "$host" -p "${port:-5432}" \
        -U "$username" -d "${dbname:-postgres}" -c 'SELECT 1' 2>&1 >/dev/null) && return 0
      case "$error" in *"password authentication failed"*) return 1 ;; esac ;;
    mysql | mariadb | aurora-mysql)
      error=$(MYSQL_PWD=$password mariadb --connect-timeout=5 --protocol=tcp -h "$host" -P "${port:-3306}" \
        -u "$username" ${dbname:+-D "$dbname"} -N -e 'SELECT 1' 2>&1 >/dev/null) && return 0
      case "$error" in *"ERROR 1045"*) return 1 ;; esac ;;
    *) error="unsupported engine '$engine' in the secret" ;;
  esac
  return 2
}

# recover: the rotation-safe pattern after a refused login. Ask the sidecar for AWSPENDING (a single-user rotation
# is between setSecret and finishSecret, when only the pending password logs in); if there is none, or it is the
# refused version, ask for AWSCURRENT with refreshNow=true (a rotation has finished); then back off briefly and do
# both again. Returns 0 once a query ran.
recover() {
  refused=$version
  retry=0
  for backoff_ms in 0 200 500 1000; do
    [ "$backoff_ms" = 0 ] || pause_ms "$backoff_ms"
    for ask in versionStage=AWSPENDING ""; do
      retry=$((retry + 1))
      echo "login refused (version $(printf '%.8s' "$refused")): retry $retry, refreshNow=true${ask:+ $ask}"
      get_secret refreshNow=true $ask || continue
      [ "$version" != "$refused" ] || continue
      run_query && return 0
      [ $? = 1 ] || return 1
    done
  done
  return 1
}

# Start-up: the sidecar may still be starting; wait for it, bounded.
deadline=$(($(date +%s) + wait_seconds))
until get_secret; do
  [ $? = 1 ] && { echo "$error" >&2; exit 1; }
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "the sidecar at $url did not answer within $wait_seconds s (is it running? set SECRETS_URL)" >&2
    exit 1
  fi
  pause_ms 200
done
echo "reading $secret_id from $url ($engine at $host)"

while :; do
  started=$(now_ms)
  if run_query; then
    echo "query ok in $(($(now_ms) - started)) ms (version $(printf '%.8s' "$version"))"
  elif [ $? = 1 ] && recover; then
    echo "query ok in $(($(now_ms) - started)) ms (version $(printf '%.8s' "$version"))"
  else
    echo "query failed: $error"
  fi
  pause_ms "$interval_ms"
done
