// Shared by the JS drivers: arguments, the hypercube definition and the paged read, identical
// to the Rust client's (benches/harness/src/qix_read.rs): pages of at most 10,000 cells (whole
// rows), the next page requested while one is read (two requests in flight at most, as
// qlik_sdk::qix::helpers::hypercube_pages does), every page checked for position and width.

export function parseArgs(argv) {
  const a = { pageCells: 10000, identity: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--host') a.host = v;
    else if (k === '--app') a.app = v;
    else if (k === '--key') a.key = v;
    else if (k === '--identity') a.identity = v;
    else if (k === '--rows') a.rows = Number(v);
    else if (k === '--page-cells') a.pageCells = Number(v);
    else throw new Error(`unknown argument ${k} (use --host, --app, --key, --identity, --rows, --page-cells)`);
  }
  for (const k of ['host', 'app', 'key', 'rows']) if (a[k] === undefined) throw new Error(`--${k} is required`);
  if (!Number.isInteger(a.rows) || !Number.isInteger(a.pageCells)) throw new Error('--rows and --page-cells must be integers');
  return a;
}

export const PROPS = {
  qInfo: { qType: 'bench' },
  qHyperCubeDef: {
    qDimensions: [{ qDef: { qFieldDefs: ['OrderId'] } }],
    qMeasures: [{ qDef: { qDef: 'Sum(Amount)' } }, { qDef: { qDef: 'Count(OrderId)' } }],
  },
};

const PREFETCH = 2;

/** Reads the whole cube of `obj` (an enigma-style generic object) and times the read. */
export async function readCube(client, obj, expectedRows, pageCells) {
  let t = process.hrtime.bigint();
  await obj.getLayout();
  const computeS = Number(process.hrtime.bigint() - t) / 1e9;
  t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const layout = await obj.getLayout();
  const { qcx: width, qcy: height } = layout.qHyperCube.qSize;
  const pageRows = Math.floor(Math.min(pageCells, 10000) / width);
  if (pageRows < 1) throw new Error(`a row of ${width} cells does not fit in a page of ${pageCells} cells`);
  const tops = [];
  for (let top = 0; top < height; top += pageRows) tops.push(top);
  const fetch = (top) =>
    obj.getHyperCubeData('/qHyperCubeDef', [{ qTop: top, qLeft: 0, qWidth: width, qHeight: Math.min(pageRows, height - top) }]);
  const inflight = tops.slice(0, PREFETCH).map(fetch);
  let [cells, rows, pages, check, maxPage] = [0, 0, 0, 0, 0];
  for (let i = 0; i < tops.length; i++) {
    const dataPages = await inflight[i];
    inflight[i] = undefined;
    if (i + PREFETCH < tops.length) inflight[i + PREFETCH] = fetch(tops[i + PREFETCH]);
    const matrix = dataPages?.[0]?.qMatrix;
    if (!Array.isArray(matrix)) throw new Error(`page ${i}: no qDataPages[0].qMatrix`);
    if (tops[i] !== rows) throw new Error(`page ${i} starts at row ${tops[i]}, expected ${rows}`);
    let n = 0;
    for (const row of matrix) {
      if (row.length !== 3) throw new Error(`row ${rows} has ${row.length} cells, expected 3`);
      n += row.length;
      rows += 1;
      check += row[1].qNum ?? 0;
    }
    cells += n;
    maxPage = Math.max(maxPage, n);
    pages += 1;
  }
  const wallS = Number(process.hrtime.bigint() - t) / 1e9;
  const c = process.cpuUsage(cpu0);
  if (cells !== expectedRows * 3) throw new Error(`short read: ${cells} cells, expected ${expectedRows * 3}`);
  return {
    client, cells, rows, pages, max_page_cells: maxPage, compute_s: computeS, wall_s: wallS,
    cpu_s: (c.user + c.system) / 1e6, check, peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
}
