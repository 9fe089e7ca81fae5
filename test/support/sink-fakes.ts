/**
 * Local fakes of the Loki push API and the Elasticsearch bulk API: strict about the request
 * shape, recording what they accept, and able to fail on demand.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServer {
  url: string;
  /** Answer 503 to every request while true. */
  down: boolean;
  requests: number;
  close(): Promise<void>;
}

async function listen(
  handler: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void,
  state: { down: boolean; requests: number },
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      if (state.down) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
        return;
      }
      handler(req, Buffer.concat(chunks).toString('utf8'), res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface LokiEntry {
  labels: Record<string, string>;
  ts: string;
  line: string;
}

export interface FakeLoki extends FakeServer {
  entries: LokiEntry[];
}

/** Loki: validates the push body, drops exact duplicates (same stream, time and line) as Loki does. */
export async function startFakeLoki(): Promise<FakeLoki> {
  const state = { down: false, requests: 0, entries: [] as LokiEntry[] };
  const seen = new Set<string>();
  const srv = await listen((req, body, res) => {
    if (req.method !== 'POST' || req.url !== '/loki/api/v1/push' || !String(req.headers['content-type']).startsWith('application/json')) {
      res.writeHead(404).end('not found');
      return;
    }
    let parsed: { streams?: Array<{ stream?: Record<string, string>; values?: unknown[] }> };
    try {
      parsed = JSON.parse(body);
    } catch {
      res.writeHead(400).end('invalid json');
      return;
    }
    if (!Array.isArray(parsed.streams)) {
      res.writeHead(400).end('streams missing');
      return;
    }
    for (const s of parsed.streams) {
      if (!s.stream || !Array.isArray(s.values)) {
        res.writeHead(400).end('bad stream');
        return;
      }
      for (const v of s.values) {
        if (!Array.isArray(v) || typeof v[0] !== 'string' || !/^\d+$/.test(v[0]) || typeof v[1] !== 'string') {
          res.writeHead(400).end('bad value: [ "<unix ns>", "<line>" ] expected');
          return;
        }
      }
    }
    for (const s of parsed.streams) {
      for (const [ts, line] of s.values as [string, string][]) {
        const key = `${JSON.stringify(s.stream)}|${ts}|${line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        state.entries.push({ labels: s.stream!, ts, line });
      }
    }
    res.writeHead(204).end();
  }, state);
  return Object.assign(state, srv);
}

export interface FakeElasticsearch extends FakeServer {
  /** Documents by index and _id; a re-index of the same _id overwrites (version bumps). */
  docs: Map<string, { source: Record<string, unknown>; version: number }>;
  /** Order in which _ids were first indexed. */
  order: string[];
  /** Reject the next n items with a mapping error inside a 200 response. */
  failItems: number;
}

export async function startFakeElasticsearch(): Promise<FakeElasticsearch> {
  const state = {
    down: false,
    requests: 0,
    failItems: 0,
    docs: new Map<string, { source: Record<string, unknown>; version: number }>(),
    order: [] as string[],
  };
  const srv = await listen((req, body, res) => {
    if (req.method !== 'POST' || req.url !== '/_bulk') {
      res.writeHead(404).end();
      return;
    }
    if (
      !String(req.headers['content-type']).startsWith('application/x-ndjson') &&
      !String(req.headers['content-type']).startsWith('application/json')
    ) {
      res
        .writeHead(406, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'Content-Type header is not supported', status: 406 }));
      return;
    }
    if (!body.endsWith('\n')) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: { type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]' },
          status: 400,
        }),
      );
      return;
    }
    const lines = body.split('\n').filter(Boolean);
    const items: unknown[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]!) as { index?: { _index?: string; _id?: string } };
      const source = JSON.parse(lines[i + 1] ?? 'null') as Record<string, unknown> | null;
      if (!action.index?._index || !source) {
        res.writeHead(400).end('malformed action/source pair');
        return;
      }
      const key = `${action.index._index}/${action.index._id}`;
      if (state.failItems > 0) {
        state.failItems--;
        errors = true;
        items.push({
          index: {
            _index: action.index._index,
            _id: action.index._id,
            status: 400,
            error: { type: 'mapper_parsing_exception', reason: 'failed to parse' },
          },
        });
        continue;
      }
      const prev = state.docs.get(key);
      state.docs.set(key, { source, version: (prev?.version ?? 0) + 1 });
      if (!prev) state.order.push(key);
      items.push({
        index: { _index: action.index._index, _id: action.index._id, status: prev ? 200 : 201, result: prev ? 'updated' : 'created' },
      });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ took: 1, errors, items }));
  }, state);
  return Object.assign(state, srv);
}
