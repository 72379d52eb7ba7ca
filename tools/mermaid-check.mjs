#!/usr/bin/env node
// Parse Mermaid diagrams with the real parser of the installed `mermaid` package.
//
// Usage: node tools/mermaid-check.mjs < diagrams.json   (a JSON array of diagram sources)
//        node tools/mermaid-check.mjs file.md ...        (every ```mermaid block in the files)
// Prints a JSON array [{ok, type, error}] and exits 1 if any diagram fails to parse.
//
// mermaid.parse() needs no DOM for xychart (its grammar is a jison parser), but mermaid's
// text sanitiser registers DOMPurify hooks on first use, and DOMPurify without a window
// exposes neither addHook nor sanitize. Parsing does not depend on sanitising, so those two
// are stubbed before mermaid is imported (the same module instance mermaid imports).
import { readFileSync } from 'node:fs';
import DOMPurify from 'dompurify';

if (typeof DOMPurify.addHook !== 'function') DOMPurify.addHook = () => {};
if (typeof DOMPurify.sanitize !== 'function') DOMPurify.sanitize = (s) => String(s);
const { default: mermaid } = await import('mermaid');

function blocksOf(markdown) {
  const out = [];
  const re = /^(`{3,})mermaid[ \t]*\n([\s\S]*?)\n\1[ \t]*$/gm;
  for (const m of markdown.matchAll(re)) out.push(m[2]);
  return out;
}

const args = process.argv.slice(2);
const diagrams = args.length
  ? args.flatMap((f) => blocksOf(readFileSync(f, 'utf8')))
  : JSON.parse(readFileSync(0, 'utf8'));

const results = [];
for (const text of diagrams) {
  try {
    const r = await mermaid.parse(text);
    results.push({ ok: true, type: r.diagramType, error: null });
  } catch (e) {
    results.push({ ok: false, type: null, error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
process.exit(results.every((r) => r.ok) ? 0 : 1);
