// @qlik/api (2.19) driver of the QIX hypercube bench (see run.sh and common.mjs):
// openAppSession from @qlik/api/qix, API-key auth. The stand-in listens on plain HTTP: the host
// is given with its `http://` scheme, which @qlik/api keeps (it only adds `https://` to a bare
// host name) and turns into `ws://` for the socket; in Node the key goes in the Authorization
// header of the WebSocket upgrade.
import { openAppSession } from '@qlik/api/qix';
import { parseArgs, PROPS, readCube } from './common.mjs';

const a = parseArgs(process.argv.slice(2));
const hostConfig = { authType: 'apikey', host: a.host, apiKey: a.key };
const session = openAppSession({ appId: a.app, hostConfig, identity: a.identity ?? 'qlik-api' });
const doc = await session.getDoc();
const obj = await doc.createSessionObject(PROPS);
const out = await readCube('@qlik/api 2.19 openAppSession', obj, a.rows, a.pageCells);
await session.close();
console.log(JSON.stringify(out));
