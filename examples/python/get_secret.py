#!/usr/bin/env python3
"""Read a secret from the Latchkey sidecar (or the AWS Secrets Manager Agent) with the standard library only.

    python3 get_secret.py <secret-id> [--json-key KEY] [--version-stage STAGE]

Environment: LATCHKEY_URL (default http://127.0.0.1:2773) and the token in AWS_TOKEN, AWS_SESSION_TOKEN or
AWS_CONTAINER_AUTHORIZATION_TOKEN (the agent's order), where file:///path names a file holding it.
Prints the secret's value (a JSON key of it with --json-key; a binary secret's bytes as they are).
"""
import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

TOKEN_VARIABLES = ("AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN")


def read_token():
    for name in TOKEN_VARIABLES:
        value = os.environ.get(name)
        if value:
            if value.startswith("file://"):
                with open(value[len("file://"):], encoding="utf-8") as handle:
                    return handle.read().strip()
            return value
    sys.exit("set one of %s to the sidecar token" % ", ".join(TOKEN_VARIABLES))


def get_secret(secret_id, version_stage=None, attempts=5):
    base = os.environ.get("LATCHKEY_URL", "http://127.0.0.1:2773")
    query = {"secretId": secret_id}
    if version_stage:
        query["versionStage"] = version_stage
    request = urllib.request.Request(
        "%s/secretsmanager/get?%s" % (base, urllib.parse.urlencode(query)),
        headers={"X-Aws-Parameters-Secrets-Token": read_token()},
    )
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            # Errors are {"__type", "message"} JSON; 4xx will not get better by retrying.
            body = error.read().decode("utf-8", "replace")
            if error.code < 500 or attempt == attempts - 1:
                sys.exit("sidecar answered %d: %s" % (error.code, body))
        except urllib.error.URLError:
            # The sidecar may still be starting.
            if attempt == attempts - 1:
                raise
        time.sleep(0.2 * 2 ** attempt)
    raise RuntimeError("unreachable")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("secret_id")
    parser.add_argument("--json-key")
    parser.add_argument("--version-stage")
    args = parser.parse_args()
    secret = get_secret(args.secret_id, args.version_stage)
    if "SecretBinary" in secret:
        sys.stdout.buffer.write(base64.b64decode(secret["SecretBinary"]))
        return
    value = secret["SecretString"]
    if args.json_key:
        field = json.loads(value)[args.json_key]
        value = field if isinstance(field, str) else json.dumps(field)
    sys.stdout.write(value)


if __name__ == "__main__":
    main()
