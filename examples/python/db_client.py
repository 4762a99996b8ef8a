#!/usr/bin/env python3
"""A database client that keeps working through secret rotations: the standard library for the sidecar,
psycopg2 or pymysql for the database (chosen by the secret's "engine"; Debian: python3-psycopg2, python3-pymysql).
It opens a connection per query, the worst case for a rotation.

    DB_SECRET_ID=prod/db AWS_TOKEN=file:///var/run/latchkey/token python3 db_client.py

Environment (the names of the sidecar's Kubernetes and ECS manifests): SECRETS_URL (default http://127.0.0.1:2773);
AWS_TOKEN, AWS_SESSION_TOKEN or AWS_CONTAINER_AUTHORIZATION_TOKEN (file:///path names a file holding it);
DB_SECRET_ID; QUERY_INTERVAL_MS (default 1000); SIDECAR_WAIT_SECONDS (default 30).
Prints one line per query and per retry; never a secret value.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

URL = os.environ.get("SECRETS_URL", "http://127.0.0.1:2773")
TOKEN_VARIABLES = ("AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN")
BACKOFFS_MS = (0, 200, 500, 1000)


class SidecarUnreachable(Exception):
    pass


class SidecarRefused(Exception):
    pass


class LoginRefused(Exception):
    pass


def read_token():
    for name in TOKEN_VARIABLES:
        value = os.environ.get(name)
        if value:
            if value.startswith("file://"):
                with open(value[len("file://"):], encoding="utf-8") as handle:
                    return handle.read().strip()
            return value
    sys.exit("set one of %s to the sidecar token" % ", ".join(TOKEN_VARIABLES))


def get_secret(secret_id, **extra):
    """GET /secretsmanager/get: (version id, secret fields)."""
    query = urllib.parse.urlencode({"secretId": secret_id, **extra})
    request = urllib.request.Request(
        "%s/secretsmanager/get?%s" % (URL, query), headers={"X-Aws-Parameters-Secrets-Token": read_token()}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        message = "sidecar answered %d: %s" % (error.code, error.read().decode("utf-8", "replace"))
        raise (SidecarUnreachable if error.code >= 500 else SidecarRefused)(message) from None
    except (urllib.error.URLError, OSError) as error:
        raise SidecarUnreachable("sidecar not reachable at %s: %s" % (URL, error)) from None
    return body["VersionId"], json.loads(body["SecretString"])


def run_query(secret):
    """Connects with the secret's credentials, runs SELECT 1, disconnects. LoginRefused: the password was refused."""
    engine = secret.get("engine", "")
    if engine in ("postgres", "aurora-postgresql"):
        import psycopg2

        try:
            connection = psycopg2.connect(
                host=secret.get("host", "127.0.0.1"), port=int(secret.get("port", 5432)),
                user=secret["username"], password=secret["password"],
                dbname=secret.get("dbname", "postgres"), connect_timeout=5,
            )
        except psycopg2.OperationalError as error:
            # A refused login carries no SQLSTATE in psycopg2: the server's message says it.
            if "password authentication failed" in str(error):
                raise LoginRefused(str(error).strip()) from None
            raise
    elif engine in ("mysql", "mariadb", "aurora-mysql"):
        import pymysql

        try:
            connection = pymysql.connect(
                host=secret.get("host", "127.0.0.1"), port=int(secret.get("port", 3306)),
                user=secret["username"], password=secret["password"],
                database=secret.get("dbname"), connect_timeout=5,
            )
        except pymysql.err.OperationalError as error:
            if error.args[0] == 1045:
                raise LoginRefused(str(error.args[1])) from None
            raise
    else:
        raise ValueError("unsupported engine %r in the secret" % engine)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchall()
    finally:
        connection.close()


def recover(secret_id, refused):
    """The rotation-safe pattern after a refused login: ask for AWSPENDING (a single-user rotation is between
    setSecret and finishSecret, when only the pending password logs in); if there is none, or it is the refused
    version, ask for AWSCURRENT with refreshNow=true (a rotation has finished); then back off briefly and do both
    again. Returns the credentials that worked."""
    retry = 0
    error = None
    for backoff_ms in BACKOFFS_MS:
        time.sleep(backoff_ms / 1000)
        for extra in ({"versionStage": "AWSPENDING"}, {}):
            retry += 1
            asked = " ".join(["refreshNow=true"] + ["%s=%s" % item for item in extra.items()])
            print("login refused (version %.8s): retry %d, %s" % (refused, retry, asked), flush=True)
            try:
                version, secret = get_secret(secret_id, refreshNow="true", **extra)
            except (SidecarRefused, SidecarUnreachable) as failure:
                error = failure
                continue
            if version == refused:
                continue
            try:
                run_query(secret)
                return version, secret
            except LoginRefused as failure:
                error = failure
    raise error or LoginRefused("no version of the secret logs in")


def main():
    secret_id = os.environ.get("DB_SECRET_ID") or sys.exit("set DB_SECRET_ID to the database secret's name or ARN")
    interval = int(os.environ.get("QUERY_INTERVAL_MS", "1000")) / 1000
    wait_seconds = int(os.environ.get("SIDECAR_WAIT_SECONDS", "30"))
    # Start-up: the sidecar may still be starting; wait for it, bounded.
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            version, secret = get_secret(secret_id)
            break
        except SidecarRefused as error:
            sys.exit(str(error))
        except SidecarUnreachable:
            if time.monotonic() > deadline:
                sys.exit("the sidecar at %s did not answer within %d s (is it running? set SECRETS_URL)"
                         % (URL, wait_seconds))
            time.sleep(0.2)
    print("reading %s from %s (%s at %s)" % (secret_id, URL, secret.get("engine"), secret.get("host")), flush=True)
    while True:
        started = time.monotonic()
        try:
            try:
                run_query(secret)
            except LoginRefused:
                version, secret = recover(secret_id, version)
            print("query ok in %d ms (version %.8s)" % ((time.monotonic() - started) * 1000, version), flush=True)
        except Exception as error:  # noqa: BLE001 - an example app reports and carries on
            print("query failed: %s" % str(error).strip().splitlines()[0], flush=True)
        time.sleep(interval)


if __name__ == "__main__":
    main()
