#!/usr/bin/env node
// Builds src/imagenet-class-index.ts: Keras's ImageNet class index (class i -> [wnid, name]), from
// two registry packages, with no download:
//   1. the 1000 ILSVRC-2012 class labels in class order, as comma-joined WordNet synonym lists
//      ("African elephant, Loxodonta africana"): IMAGENET_CLASSES in the npm package
//      @tensorflow-models/mobilenet (Apache-2.0), file dist/imagenet_classes.js;
//   2. WordNet 3.0's noun database (Debian package wordnet-base, /usr/share/wordnet/data.noun),
//      whose synset offsets are ImageNet's wnids (n + 8-digit offset) and whose first lemma of a
//      synset is the name Keras's imagenet_class_index.json gives the class.
// Each label is matched to the WordNet synset with exactly that synonym list. Class order is
// sorted wnid order, which pins down most synsets that share a synonym list; the 41 that it leaves
// open (two WordNet senses of 'abacus', 'bow', 'monitor', ...) are settled by PICKS below, each
// checked against WordNet's gloss. The script fails if any class is left unresolved.
//
// Usage:
//   npm pack @tensorflow-models/mobilenet@2.1.1 && tar xzf tensorflow-models-mobilenet-2.1.1.tgz
//   apt-get install wordnet-base
//   node scripts/build-class-index.mjs package/dist/imagenet_classes.js [/usr/share/wordnet/data.noun]
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [classesPath, dataNounPath = '/usr/share/wordnet/data.noun'] = process.argv.slice(2);
if (!classesPath) {
  console.error('usage: build-class-index.mjs <mobilenet dist/imagenet_classes.js> [wordnet data.noun]');
  process.exit(2);
}

/** Labels in the mobilenet list that differ from WordNet's synonym list (a typo there). */
const LABEL_FIXES = { 107: 'jellyfish' };

/**
 * The ImageNet synset for labels that several WordNet synsets share and that class order does not
 * settle: the sense ILSVRC-2012 uses (the object photographed, e.g. the calculating abacus, the
 * display monitor, the weapon bow).
 */
const PICKS = {
  102: 'n01872401',
  398: 'n02666196',
  411: 'n02730930',
  417: 'n02782093',
  431: 'n02804414',
  438: 'n02815834',
  443: 'n02834397',
  456: 'n02879718',
  471: 'n02950826',
  488: 'n02999410',
  501: 'n03045698',
  544: 'n03259280',
  549: 'n03291819',
  586: 'n03478589',
  587: 'n03481172',
  594: 'n03495258',
  597: 'n03527444',
  624: 'n03661043',
  643: 'n03724870',
  664: 'n03782006',
  698: 'n03877845',
  718: 'n03933933',
  727: 'n03956157',
  733: 'n03976657',
  745: 'n04009552',
  753: 'n04040759',
  758: 'n04067472',
  766: 'n04111531',
  771: 'n04125021',
  780: 'n04147183',
  783: 'n04153751',
  792: 'n04208210',
  813: 'n04270147',
  815: 'n04275548',
  816: 'n04277352',
  830: 'n04336792',
  866: 'n04465501',
  902: 'n04579432',
  910: 'n04597913',
  982: 'n10148035',
  987: 'n12144580',
};

const { IMAGENET_CLASSES } = createRequire(import.meta.url)(resolve(classesPath));
const labels = Array.from({ length: 1000 }, (_, i) => LABEL_FIXES[i] ?? IMAGENET_CLASSES[i]);
if (labels.some((l) => typeof l !== 'string')) throw new Error(`${classesPath}: expected 1000 labels`);

// data.noun line: offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id ...] ... | gloss
const synsetsByLabel = new Map();
const glossOf = new Map();
for (const line of readFileSync(dataNounPath, 'utf8').split('\n')) {
  if (!line || line.startsWith(' ')) continue;
  const f = line.split(' ');
  const words = Array.from({ length: Number.parseInt(f[3], 16) }, (_, k) => f[4 + 2 * k]);
  const label = words.map((w) => w.replace(/_/g, ' ')).join(', ');
  const wnid = `n${f[0]}`;
  glossOf.set(wnid, line.slice(line.indexOf('| ') + 2).trim());
  if (!synsetsByLabel.has(label)) synsetsByLabel.set(label, []);
  synsetsByLabel.get(label).push({ wnid, name: words[0] });
}

const candidates = labels.map((l, i) => {
  const c = (synsetsByLabel.get(l) ?? []).sort((a, b) => (a.wnid < b.wnid ? -1 : 1));
  if (c.length === 0) throw new Error(`class ${i}: no WordNet noun synset has the synonyms "${l}"`);
  return c;
});
// Feasible range of each class under strictly increasing wnids: earliest forward, latest backward.
const lo = [];
let prev = '';
for (const c of candidates) {
  prev = (c.find((s) => s.wnid > prev) ?? { wnid: '~' }).wnid;
  lo.push(prev);
}
const hi = [];
let next = 'o';
for (let i = 999; i >= 0; i--) {
  next = ([...candidates[i]].reverse().find((s) => s.wnid < next) ?? { wnid: '' }).wnid;
  hi[i] = next;
}
const index = candidates.map((c, i) => {
  const feasible = c.filter((s) => s.wnid >= lo[i] && s.wnid <= hi[i]);
  const chosen = feasible.length === 1 ? feasible[0] : feasible.find((s) => s.wnid === PICKS[i]);
  if (!chosen)
    throw new Error(`class ${i} "${labels[i]}": ambiguous, add a PICK among ${feasible.map((s) => s.wnid)}`);
  if (feasible.length === 1 && PICKS[i]) throw new Error(`class ${i}: PICK not needed, remove it`);
  return [chosen.wnid, chosen.name];
});
for (let i = 1; i < 1000; i++)
  if (!(index[i][0] > index[i - 1][0])) throw new Error(`class ${i}: wnids out of order`);
if (process.env.SHOW_PICKS)
  for (const i of Object.keys(PICKS)) console.log(i, index[i].join(' '), '|', glossOf.get(index[i][0]));

const WORDNET_LICENSE = readFileSync(
  resolve(dirname(fileURLToPath(import.meta.url)), '../LICENSE-WORDNET'),
  'utf8',
);
const rows = index.map(([w, n]) => `  [${JSON.stringify(w)}, ${JSON.stringify(n)}],`).join('\n');
const out = `// Generated by scripts/build-class-index.mjs; do not edit.
// ImageNet (ILSVRC-2012) classes in Keras's order: class i -> [WordNet id, Keras's class name].
// Class labels from @tensorflow-models/mobilenet (Apache-2.0, Copyright Google LLC); synset ids and
// names from WordNet 3.0, used under the WordNet licence:
${WORDNET_LICENSE.trim()
  .split('\n')
  .map((l) => `//   ${l}`.trimEnd())
  .join('\n')}

/** Keras's imagenet_class_index.json as an array: entry i is [wnid, name] of ImageNet class i. */
export const IMAGENET_CLASS_INDEX: readonly (readonly [wnid: string, name: string])[] = [
${rows}
];
`;
const target = resolve(dirname(fileURLToPath(import.meta.url)), '../src/imagenet-class-index.ts');
writeFileSync(`${target}.tmp`, out);
renameSync(`${target}.tmp`, target);
console.log(`wrote ${target}: ${index.length} classes`);
