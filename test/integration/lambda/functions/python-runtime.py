# A Python function for the Lambda simulator, standard library only: its own Runtime API loop (as a custom
# runtime's bootstrap) and a handler that makes one GET to the extension on PARAMETERS_SECRETS_EXTENSION_HTTP_PORT,
# with the token Lambda's functions use (AWS_SESSION_TOKEN), and returns the status, body and latency.
# The event: {"path": ..., "token"?: ...}; a null token sends no header.
import json
import os
import time
import urllib.error
import urllib.request

RUNTIME = "http://%s/2018-06-01/runtime" % os.environ["AWS_LAMBDA_RUNTIME_API"]
PORT = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773")


def handler(event):
    token = event["token"] if "token" in event else os.environ.get("AWS_SESSION_TOKEN")
    headers = {} if token is None else {"X-Aws-Parameters-Secrets-Token": token}
    request = urllib.request.Request("http://localhost:%s%s" % (PORT, event["path"]), headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request) as answer:
            status, body = answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return {"status": status, "body": body, "ms": (time.perf_counter() - started) * 1000}


def post(path, payload, headers=None):
    request = urllib.request.Request(RUNTIME + path, data=json.dumps(payload).encode(), headers=headers or {})
    urllib.request.urlopen(request).read()


while True:
    with urllib.request.urlopen(RUNTIME + "/invocation/next") as next_event:
        request_id = next_event.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.load(next_event)
    try:
        post("/invocation/%s/response" % request_id, handler(event))
    except Exception as error:  # reported to Lambda as the handler's error
        post(
            "/invocation/%s/error" % request_id,
            {"errorType": type(error).__name__, "errorMessage": str(error)},
            {"Lambda-Runtime-Function-Error-Type": "Runtime.HandlerError"},
        )
