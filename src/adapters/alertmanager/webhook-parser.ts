/**
 * Webhook bodies parsed off the daemon's main thread. The main thread runs the one SQLite
 * writer; a delivery's UTF-8 check, JSON parse and schema validation (about as much CPU as
 * writing it) run in a worker thread, on the machine's other core, while the writer commits
 * the previous batch. Same code and the same errors as parsing inline: if the worker cannot
 * run, bodies are parsed inline.
 */
import { Worker } from 'node:worker_threads';
import { ChatopsError, type ErrorKind } from '../../core/errors.js';
import type { AlertEvent, AlertStatus, Delivery, Labels } from '../../core/types.js';
import { commonLabels } from '../../core/incidents.js';
import { deliveryHash, type PreparedBody } from '../../core/ingest.js';
import { encodeRaw } from '../store/raw-codec.js';
import { decodeBody, parseWebhookBody } from './webhook-schema.js';

export interface ParseRequest {
  id: number;
  body: Uint8Array;
  now: number;
}

export type ParseReply =
  { id: number; ok: true; raw: PreparedBody; wire: WireDelivery } | { id: number; ok: false; kind: ErrorKind | null; message: string };

export interface ParsedBody {
  /** The body as text (parsed inline), or hashed and encoded for storage (parsed in the thread). */
  raw: string | PreparedBody;
  delivery: Delivery;
}

export interface WebhookParser {
  parse(body: Uint8Array, now: number): Promise<ParsedBody>;
  close(): Promise<void>;
}

/** Parsing on the calling thread (small bodies, and the fallback). */
function parseInline(body: Uint8Array, now: number): ParsedBody {
  const raw = decodeBody(body);
  return { raw, delivery: parseWebhookBody(raw, now) };
}

/**
 * A delivery as the thread sends it: its alerts by column, labels and annotations as JSON text.
 * Structured clone builds an object one property at a time: a 100-alert delivery as objects
 * cost the receiving thread 330 µs, as columns of strings 28 µs.
 */
export interface WireDelivery {
  head: Omit<Delivery, 'alerts'>;
  fingerprints: string[];
  statuses: AlertStatus[];
  startsAt: Float64Array;
  endsAt: (number | null)[];
  generatorURLs: string[];
  labels: string[];
  annotations: string[];
}

/**
 * An alert whose labels and annotations stay JSON text until something reads them: the store
 * writes the text as it is, and the planner reads labels only where it needs them.
 */
class WireAlert implements AlertEvent {
  #labels: Labels | undefined;
  #annotations: Labels | undefined;
  constructor(
    readonly fingerprint: string,
    readonly status: AlertStatus,
    readonly startsAt: number,
    readonly endsAt: number | null,
    readonly generatorURL: string,
    readonly labelsJson: string,
    readonly annotationsJson: string,
  ) {}
  get labels(): Labels {
    return (this.#labels ??= JSON.parse(this.labelsJson) as Labels);
  }
  get annotations(): Labels {
    return (this.#annotations ??= JSON.parse(this.annotationsJson) as Labels);
  }
}

function toWire(d: Delivery): WireDelivery {
  const { alerts, ...head } = d;
  // What they all share, worked out here: the planner then reads no alert's labels.
  head.shared = { labels: commonLabels(alerts.map((a) => a.labels)), annotations: commonLabels(alerts.map((a) => a.annotations)) };
  return {
    head,
    fingerprints: alerts.map((a) => a.fingerprint),
    statuses: alerts.map((a) => a.status),
    startsAt: Float64Array.from(alerts, (a) => a.startsAt),
    endsAt: alerts.map((a) => a.endsAt),
    generatorURLs: alerts.map((a) => a.generatorURL),
    labels: alerts.map((a) => JSON.stringify(a.labels)),
    annotations: alerts.map((a) => JSON.stringify(a.annotations)),
  };
}

function fromWire(w: WireDelivery): Delivery {
  const alerts: AlertEvent[] = w.fingerprints.map(
    (fp, i) => new WireAlert(fp, w.statuses[i]!, w.startsAt[i]!, w.endsAt[i]!, w.generatorURLs[i]!, w.labels[i]!, w.annotations[i]!),
  );
  return { ...w.head, alerts };
}

/**
 * What the thread does: everything about a delivery that needs no database — parsing and
 * validating it, its hash, its stored (compressed) form, its alerts' labels as JSON — so that
 * the writer only writes.
 */
export function parseAndPrepare(body: Uint8Array, now: number): { raw: PreparedBody; wire: WireDelivery } {
  const raw = decodeBody(body);
  const delivery = parseWebhookBody(raw, now);
  return { raw: { contentHash: deliveryHash(raw), stored: encodeRaw(raw) }, wire: toWire(delivery) };
}

/**
 * The worker's module, `parse-worker.js` next to the bundle's chunks (scripts/build.mjs). Run
 * from TypeScript sources (in-process tests through tsx, whose module hooks a worker thread
 * does not get on Node 20), there is none and bodies are parsed inline.
 */
const WORKER_URL = import.meta.url.endsWith('.js') ? new URL('./parse-worker.js', import.meta.url) : null;

const inline: WebhookParser = {
  parse: (body, now) => Promise.resolve().then(() => parseInline(body, now)),
  close: async () => {},
};

/**
 * Bodies smaller than this are parsed inline: for them the round trip to the thread costs the
 * main thread about as much as parsing. The thread starts with the first larger body, so a
 * daemon that only ever sees small deliveries never pays for loading it.
 */
export const OFFLOAD_BYTES = 8 * 1024;

export function startWebhookParser(onError: (e: unknown) => void): WebhookParser {
  if (!WORKER_URL) return inline;
  const url = WORKER_URL;
  let worker: Worker | null = null;
  let failed = false;
  // Until the thread has loaded its modules (a second on a busy machine), bodies are parsed inline.
  let ready = false;
  let nextId = 0;
  const pending = new Map<number, { body: Uint8Array | null; now: number; resolve(p: ParsedBody): void; reject(e: unknown): void }>();
  /** Whatever the thread had not answered is parsed here instead (or retried, if it took the body). */
  const parsePendingInline = () => {
    for (const p of pending.values()) {
      try {
        if (!p.body)
          throw new ChatopsError(
            'unavailable',
            'the webhook parser thread stopped while parsing this delivery; Alertmanager will retry it',
          );
        p.resolve(parseInline(p.body, p.now));
      } catch (e) {
        p.reject(e);
      }
    }
    pending.clear();
  };
  const start = (): void => {
    const w = new Worker(url);
    w.unref();
    w.on('message', (m: ParseReply | 'ready') => {
      if (m === 'ready') {
        ready = true;
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve({ raw: m.raw, delivery: fromWire(m.wire) });
      else p.reject(m.kind ? new ChatopsError(m.kind, m.message) : new Error(m.message));
    });
    w.on('error', (e) => {
      onError(e);
      failed = true;
      worker = null;
      parsePendingInline();
    });
    worker = w;
  };
  return {
    parse(body, now) {
      if (body.byteLength < OFFLOAD_BYTES || failed) return inline.parse(body, now);
      if (!worker) start();
      if (!ready) return inline.parse(body, now);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        // A body that owns its memory moves to the thread instead of being copied (the thread
        // answers with everything the writer needs; nothing reads the body here afterwards).
        const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
        pending.set(id, { body: own ? null : body, now, resolve, reject });
        worker!.postMessage({ id, body, now } satisfies ParseRequest, own ? [body.buffer as ArrayBuffer] : []);
      });
    },
    async close() {
      const w = worker;
      worker = null;
      failed = true;
      parsePendingInline();
      w?.ref(); // keep the process up until the thread is gone
      await w?.terminate();
    },
  };
}
