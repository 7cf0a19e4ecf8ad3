import type { ErrorSpec } from './kind.js';

export const ECR_ERRORS = {
  ECR_BAD_JSON: { kind: 'input', summary: 'The request body is not valid JSON.' },
  ECR_BAD_REQUEST: { kind: 'input', summary: 'A request field is missing or has a bad value; details name each field.' },
  ECR_BODY_TOO_LARGE: { kind: 'input', summary: 'The request body is larger than the API accepts.' },
  ECR_NOT_FOUND: { kind: 'input', summary: 'No such route on the ECR API.' },
  ECR_LISTEN_FAILED: { kind: 'io', summary: 'The ECR API could not listen on its configured address.' },
} as const satisfies Record<string, ErrorSpec>;
