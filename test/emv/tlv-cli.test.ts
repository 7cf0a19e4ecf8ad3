import { describe, expect, it } from 'vitest';
import { decodeCommand, dolCommand } from '../../src/cli/actions/tlv.js';
import { registerTlv } from '../../src/cli/commands/tlv.js';
import { runPos, type CliRun } from '../cli/in-process.js';

/** `pos tlv …` as main.ts runs it. */
function pos(...args: string[]): Promise<CliRun> {
  return runPos(registerTlv, args);
}

// GPO response format 2 from the Lloyds Visa Debit log (see test/vectors/emv-card-samples.json), shortened to AIP, AFL, Track 2.
const GPO = '771F 8202 2000 9404 10030600 5713 4921828094896752D25022013650000000000F';
const PAN = '4921828094896752';

describe('pos tlv decode', () => {
  it('prints exactly the documented JSON shape', () => {
    const json = JSON.parse(decodeCommand('9F2701 80 7003 9F3600', { json: true })) as unknown;
    expect(json).toEqual([
      { tag: '9F27', name: 'Cryptogram Information Data (CID)', constructed: false, length: 1, value: '80', decoded: { type: 'ARQC', adviceRequired: false, reason: 'No information given' } },
      {
        tag: '70',
        name: 'READ RECORD Response Message Template',
        constructed: true,
        length: 3,
        value: '9F3600',
        children: [{ tag: '9F36', name: 'Application Transaction Counter (ATC)', constructed: false, length: 0, value: '' }],
      },
    ]);
  });

  it('masks sensitive values in JSON, keeping their length, inside templates too', () => {
    const [gpo] = JSON.parse(decodeCommand(GPO, { json: true })) as [{ value: string; children: { tag: string; value: string; decoded?: { pan: string } }[] }];
    const track2 = gpo.children.find((c) => c.tag === '57');
    expect(track2?.value).toBe('492182******6752D' + '*'.repeat(21));
    expect(track2?.value).toHaveLength(38);
    expect(track2?.decoded?.pan).toBe('492182******6752');
    expect(gpo.value).toHaveLength(0x1f * 2);
    expect(gpo.value).not.toContain(PAN);
    expect(gpo.value.startsWith('82022000940410030600')).toBe(true);
  });

  it('shows sensitive values with --unmasked', () => {
    const out = decodeCommand(GPO, { json: true, unmasked: true });
    expect(out).toContain(PAN);
  });

  it('prints an indented tree with names, lengths, values and meanings, masked', () => {
    const tree = decodeCommand(GPO);
    expect(tree).toBe(
      [
        '77 Response Message Template Format 2 (31)',
        '  82 Application Interchange Profile (AIP) (2): 2000',
        '    = DDA supported',
        '  94 Application File Locator (AFL) (4): 10030600',
        '    = SFI 2 records 3–6 (0 for ODA)',
        '  57 Track 2 Equivalent Data (19): 492182******6752D*********************',
        '    = PAN 492182******6752, expiry 2502 (YYMM), service code 201',
        '',
      ].join('\n'),
    );
    expect(tree).not.toContain(PAN);
  });

  it('masks the PAN (5A) as first six and last four, and the cardholder name whole', () => {
    const out = decodeCommand('5A08 4921828094896752 5F20 04 4A4F484E');
    expect(out).toContain('(8): 492182******6752');
    expect(out).toContain('(4): ********');
    expect(out).not.toContain('4A4F484E');
  });

  it('ignores spaces and newlines in the hex', async () => {
    const { stdout, exitCode } = await pos('tlv', 'decode', '9F36 02\n 02 47');
    expect(exitCode).toBe(0);
    expect(stdout).toBe('9F36 Application Transaction Counter (ATC) (2): 0247\n');
  });

  it.each([
    ['truncated data', ['tlv', 'decode', '7005 5A08 4761'], /^TLV_TRUNCATED: .* \(offset 0\) \[70\]\n$/],
    ['nested truncated data', ['tlv', 'decode', '7004 5A08 4761'], /^TLV_TRUNCATED: .* \(offset 2\) \[70 > 5A\]\n$/],
    ['indefinite length', ['tlv', 'decode', '9F3680'], /^TLV_INDEFINITE_LENGTH: .* \(offset 2\) \[9F36\]\n$/],
    ['non-minimal length with --strict', ['tlv', 'decode', '--strict', '9C8101FF'], /^TLV_BAD_LENGTH: .* \(offset 1\) \[9C\]\n$/],
    ['text that is not hex', ['tlv', 'decode', '9F3G'], /^HEX_INVALID: /],
  ])('reports %s as one line with exit code 1', async (_what, args, line) => {
    const { stdout, stderr, exitCode } = await pos(...args);
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(line);
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).not.toContain('4761');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('pos tlv dol', () => {
  it('builds a CDOL2 from a TLV data store', async () => {
    // CDOL2 91108A0295059F3704 from the girocard record in emv-card-samples.json
    const { stdout, exitCode } = await pos('tlv', 'dol', '91108A0295059F3704', '--data', '8A023030 95050000008000 9F370401020304');
    expect(exitCode).toBe(0);
    expect(stdout).toBe('00000000000000000000000000000000' + '3030' + '0000008000' + '01020304' + '\n');
  });

  it('is the same function the command runs', () => {
    expect(dolCommand('9F0208', '9F0206000000001000')).toBe('0000000000001000\n');
  });

  it('reports a bad DOL with exit code 1', async () => {
    const { stderr, exitCode } = await pos('tlv', 'dol', '9F3780', '--data', '');
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(/^TLV_INDEFINITE_LENGTH: .* \(offset 2\) \[DOL > 9F37\]\n$/);
  });
});
