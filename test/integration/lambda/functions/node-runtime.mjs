// A Node.js function for the Lambda simulator: its own Runtime API loop (as a custom runtime's bootstrap) and a
// handler that makes one GET to the extension on PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, with the token Lambda's
// functions use (AWS_SESSION_TOKEN), and returns the status, body and latency. The event: {path, token?}; a null
// token sends no header.
const runtime = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
const port = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';

async function handler(event) {
  const token = event.token === undefined ? process.env.AWS_SESSION_TOKEN : event.token;
  const started = performance.now();
  const answer = await fetch(`http://localhost:${port}${event.path}`, {
    headers: token === null ? {} : { 'X-Aws-Parameters-Secrets-Token': token },
  });
  const body = await answer.text();
  return { status: answer.status, body, ms: performance.now() - started };
}

for (;;) {
  const next = await fetch(`${runtime}/invocation/next`);
  const requestId = next.headers.get('lambda-runtime-aws-request-id');
  const event = await next.json();
  try {
    const result = await handler(event);
    await fetch(`${runtime}/invocation/${requestId}/response`, {
      method: 'POST',
      body: JSON.stringify(result),
    });
  } catch (error) {
    await fetch(`${runtime}/invocation/${requestId}/error`, {
      method: 'POST',
      headers: { 'Lambda-Runtime-Function-Error-Type': 'Runtime.HandlerError' },
      body: JSON.stringify({ errorType: error.name, errorMessage: error.message }),
    });
  }
}
