// enigma.js 2.15 driver of the QIX hypercube bench (see run.sh and common.mjs).
import enigma from 'enigma.js';
import WebSocket from 'ws';
import { createRequire } from 'node:module';
import { parseArgs, PROPS, readCube } from './common.mjs';

// The newest schema enigma.js 2.15 ships (the engine spec the SDK is generated from is 12.2473).
const schema = createRequire(import.meta.url)('enigma.js/schemas/12.2027.0.json');

const a = parseArgs(process.argv.slice(2));
// A fresh engine session per client: its own identity (default `enigma`).
const url = `${a.host.replace(/^http/, 'ws')}/app/${a.app}/identity/${a.identity ?? 'enigma'}`;
const session = enigma.create({
  schema,
  url,
  createSocket: (u) => new WebSocket(u, { headers: { Authorization: `Bearer ${a.key}` } }),
});
const global = await session.open();
const doc = await global.openDoc(a.app);
const obj = await doc.createSessionObject(PROPS);
const out = await readCube('enigma.js 2.15', obj, a.rows, a.pageCells);
await session.close();
console.log(JSON.stringify(out));
