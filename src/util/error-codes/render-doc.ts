/** Renders `docs/errors.md` from the catalog; `npm run docs:errors` writes it, a test checks it. */
import { ERROR_CODES } from './index.js';

export function renderErrorDoc(): string {
  const lines = [
    '# Error codes',
    '',
    'Generated from `src/util/error-codes/` by `npm run docs:errors`; a test keeps the two in step.',
    'Codes are stable: a released code is never renamed or reused.',
    '',
    '| code | kind | meaning |',
    '| --- | --- | --- |',
  ];
  for (const [code, spec] of Object.entries(ERROR_CODES)) lines.push(`| \`${code}\` | ${spec.kind} | ${spec.summary} |`);
  return lines.join('\n') + '\n';
}
