import type { ErrorSpec } from './kind.js';

export const ECR_ERRORS = {
  ECR_BAD_JSON: { kind: 'input', summary: 'The request body is not valid JSON.' },
  ECR_CLIENT_REFUSED: { kind: 'protocol', summary: 'The ECR API answered a client of this project (the demo, a test) with another status than the call expects; details give the route, the status and the API\'s error code.' },
  ECR_BAD_REQUEST: { kind: 'input', summary: 'A request field is missing or has a bad value; details name each field.' },
  ECR_BODY_TOO_LARGE: { kind: 'input', summary: 'The request body is larger than the API accepts.' },
  ECR_NOT_FOUND: { kind: 'input', summary: 'No such route on the ECR API.' },
  ECR_LISTEN_FAILED: { kind: 'io', summary: 'The ECR API could not listen on its configured address.' },
  ECR_UNAUTHORIZED: { kind: 'input', summary: 'The request carries no `Authorization: Bearer` token, or not the one in `ecr.token` (401).' },
  ECR_MISDIRECTED: { kind: 'input', summary: 'The `Host` header names neither the address the API is bound to nor `localhost` (421; DNS rebinding).' },
  ECR_ORIGIN_FORBIDDEN: { kind: 'input', summary: 'A browser `Origin` that is not listed in `ecr.allowedOrigins` (403).' },
  ECR_UNSUPPORTED_MEDIA_TYPE: { kind: 'input', summary: 'A request body that is not `Content-Type: application/json` (415).' },
  ECR_DUPLICATE_KEY: { kind: 'input', summary: 'The JSON body names the same key twice in one object; details give the byte offset of the second.' },
  ECR_TLS_REQUIRED: { kind: 'config', summary: 'The ECR API is configured off loopback without `ecr.tls`; the terminal refuses to start.' },
  ECR_TERMINAL_RUNNING: { kind: 'state', summary: '`pos batch close` found the terminal running but could not ask it: still starting, or its ECR API over TLS, which the CLI does not speak. Close the batch through the API (`POST /v1/batch/close`) once it is ready; the CLI never touches the journal of a running terminal.' },
  ECR_BATCH_CLOSE_UNSUPPORTED: { kind: 'state', summary: 'A batch close through the ECR API on a host that takes no 0500 (an HTTPS gateway): settle with the acquirer (409).' },
} as const satisfies Record<string, ErrorSpec>;
