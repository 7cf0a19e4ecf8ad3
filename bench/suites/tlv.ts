/**
 * BER-TLV decode and encode of a realistic mix — the real card samples of
 * test/vectors/emv-card-samples.json (FCI, GPO both formats, READ RECORD,
 * GENERATE AC both formats, DE 55) — for this codec and for node-emv,
 * ber-tlv and node-tlv, side by side on the same inputs.
 *
 * Each peer gets the input form its README uses (hex string or Buffer),
 * prepared once outside the timed function. Before timing, every peer's tree
 * is compared with ours sample by sample; differences become notes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { decode, encode, type TlvNode } from '../../src/emv/index.js';
import { projectRoot } from '../../src/util/project-root.js';
import { compare, type BenchOptions, type BenchSuite, type CaseResult, type Contender } from '../harness.js';

const require = createRequire(import.meta.url);

// The peers' shapes, as far as this suite uses them.
interface NodeEmvObject {
  tag: string;
  value: string | NodeEmvObject[];
}
interface NodeEmv {
  parse(hex: string, callback: (objects: NodeEmvObject[]) => void): void;
}
interface BerTlvItem {
  tag: string;
  type: number; // 0 primitive, 1 constructed
  value: Buffer;
  items: BerTlvItem[];
}
interface BerTlv {
  TlvFactory: { parse(data: Buffer): BerTlvItem[]; serialize(items: BerTlvItem[]): Buffer };
}
interface NodeTlvObject {
  getTag(): string;
  getValue(): string;
  getChild(): NodeTlvObject[];
  getTLV(): string;
  isConstructed: boolean;
}
interface NodeTlvModule {
  new (tag: string, value: string): NodeTlvObject;
  parseList(data: Buffer): NodeTlvObject[];
}

const nodeEmv = require('node-emv') as NodeEmv;
const berTlv = require('ber-tlv') as BerTlv;
const NodeTlv = require('node-tlv') as NodeTlvModule;

interface Sample {
  name: string;
  hex: string;
}

/** A tree in one comparable form: tag and value hex, or tag and children. */
type Shape = { tag: string; value: string } | { tag: string; children: Shape[] };

const oursShape = (nodes: readonly TlvNode[]): Shape[] =>
  nodes.map((n) => (n.children ? { tag: n.tag, children: oursShape(n.children) } : { tag: n.tag, value: Buffer.from(n.value).toString('hex').toUpperCase() }));
const nodeEmvShape = (objects: readonly NodeEmvObject[]): Shape[] =>
  objects.map((o) => (Array.isArray(o.value) ? { tag: o.tag.toUpperCase(), children: nodeEmvShape(o.value) } : { tag: o.tag.toUpperCase(), value: o.value.toUpperCase() }));
const berTlvShape = (items: readonly BerTlvItem[]): Shape[] =>
  items.map((i) => (i.type === 1 ? { tag: i.tag.toUpperCase(), children: berTlvShape(i.items) } : { tag: i.tag.toUpperCase(), value: i.value.toString('hex').toUpperCase() }));
const nodeTlvShape = (objects: readonly NodeTlvObject[]): Shape[] =>
  objects.map((o) =>
    o.isConstructed ? { tag: o.getTag().toUpperCase(), children: nodeTlvShape(o.getChild()) } : { tag: o.getTag().toUpperCase(), value: o.getValue().toUpperCase() },
  );

function nodeEmvParse(hex: string): NodeEmvObject[] {
  let out: NodeEmvObject[] = [];
  nodeEmv.parse(hex, (objects) => {
    out = objects;
  });
  return out;
}

/** node-emv prints a line on every long-form length; keep it out of the report and the timing. */
function quietly<T>(fn: () => T): T {
  const log = console.log;
  console.log = () => undefined;
  try {
    return fn();
  } finally {
    console.log = log;
  }
}

function nodeTlvBuild(shape: Shape): NodeTlvObject {
  return 'children' in shape ? new NodeTlv(shape.tag, shape.children.map((c) => nodeTlvBuild(c).getTLV()).join('')) : new NodeTlv(shape.tag, shape.value);
}

export const suite: BenchSuite = {
  name: 'tlv',
  async run(options: BenchOptions) {
    const file = join(projectRoot(), 'test', 'vectors', 'emv-card-samples.json');
    const samples = (JSON.parse(readFileSync(file, 'utf8')) as { samples: Sample[] }).samples;
    const buffers = samples.map((s) => Buffer.from(s.hex, 'hex'));
    const hexes = samples.map((s) => s.hex);
    const notes: string[] = [`mix: ${samples.length} real card samples, ${buffers.reduce((n, b) => n + b.length, 0)} bytes per op`];

    // Correctness first: each peer's tree against ours, sample by sample.
    const peersDecode: Record<string, (i: number) => Shape[]> = {
      'node-emv': (i) => nodeEmvShape(quietly(() => nodeEmvParse(hexes[i] as string))),
      'ber-tlv': (i) => berTlvShape(berTlv.TlvFactory.parse(buffers[i] as Buffer)),
      'node-tlv': (i) => nodeTlvShape(NodeTlv.parseList(buffers[i] as Buffer)),
    };
    const ours = buffers.map((b) => oursShape(decode(b)));
    for (const [peer, run] of Object.entries(peersDecode)) {
      const wrong: string[] = [];
      samples.forEach((s, i) => {
        let theirs: Shape[] | string;
        try {
          theirs = run(i);
        } catch (e) {
          theirs = `threw ${e instanceof Error ? e.name : typeof e}`;
        }
        if (JSON.stringify(theirs) !== JSON.stringify(ours[i])) wrong.push(`${s.name}${typeof theirs === 'string' ? ` (${theirs})` : ''}`);
      });
      notes.push(wrong.length === 0 ? `${peer}: same trees as ours on all samples` : `${peer} differs from ours on ${wrong.length}/${samples.length}: ${wrong.join('; ')}`);
    }

    // Malformed input: ours rejects each with a typed error; say what each peer does instead.
    const malformed = (JSON.parse(readFileSync(file, 'utf8')) as { errors: Sample[] }).errors.concat([
      { name: 'indefinite length 9C80', hex: '9C80' },
      { name: 'value past the end 9F360302', hex: '9F360302' },
    ]);
    for (const [peer, run] of Object.entries({
      'node-emv': (h: string) => quietly(() => nodeEmvParse(h)),
      'ber-tlv': (h: string) => berTlv.TlvFactory.parse(Buffer.from(h, 'hex')),
      'node-tlv': (h: string) => NodeTlv.parseList(Buffer.from(h, 'hex')),
    })) {
      const silent = malformed.filter((m) => {
        try {
          run(m.hex);
          return true;
        } catch {
          return false;
        }
      });
      if (silent.length > 0) notes.push(`${peer} returns a result without an error for malformed input: ${silent.map((m) => m.name).join('; ')}`);
    }

    const cases: CaseResult[] = [];
    cases.push(
      await compare(
        'tlv',
        'decode realistic mix',
        { name: 'pos-terminal', fn: () => buffers.map((b) => decode(b)) },
        [
          { name: 'node-emv', fn: () => quietly(() => hexes.map((h) => nodeEmvParse(h))) },
          { name: 'ber-tlv', fn: () => buffers.map((b) => berTlv.TlvFactory.parse(b)) },
          { name: 'node-tlv', fn: () => buffers.map((b) => NodeTlv.parseList(b)) },
        ],
        options,
      ),
    );

    // Encode: each library serialises a tree it built itself from the same samples.
    const ourTrees = buffers.map((b) => decode(b));
    const berItems = buffers.map((b) => berTlv.TlvFactory.parse(b));
    const shapes = ours;
    const encodePeers: Contender[] = [
      { name: 'ber-tlv', fn: () => berItems.map((items) => berTlv.TlvFactory.serialize(items)) },
      { name: 'node-tlv', fn: () => shapes.map((tree) => tree.map((s) => nodeTlvBuild(s).getTLV()).join('')) },
    ];
    cases.push(await compare('tlv', 'encode realistic mix', { name: 'pos-terminal', fn: () => ourTrees.map((t) => encode(t)) }, encodePeers, options));
    notes.push('node-emv has no encoder; node-tlv encodes by building TLV objects from hex strings (its README way), which re-parses each template');
    notes.push('node-emv takes hex strings (prepared once, outside the timing); the others take Buffers');
    return { suite: 'tlv', cases, notes };
  },
};
