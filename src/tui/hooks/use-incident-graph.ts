/**
 * The graph of the incident on screen, for the detail view: fetched (Prometheus, through the
 * injected `fetchGraph`) when the incident or the width changes and every `refreshMs` while it
 * stays on screen; null while the first answer is on its way. Never blocks keys: the fetch
 * runs in the background and a stale answer (another incident by then) is dropped.
 */
import { useEffect, useState } from 'react';
import type { Incident, StoredAlert } from '../../core/types.js';

/** Lines of the terminal chart for an incident (see src/cli/incident-graph.ts). */
export type GraphFetcher = (incident: Incident, alerts: readonly StoredAlert[], width: number) => Promise<string[]>;

export function useIncidentGraph(
  fetchGraph: GraphFetcher | null,
  detail: { incident: Incident; alerts: readonly StoredAlert[] } | null,
  width: number,
  refreshMs = 30_000,
): string[] | null {
  const [graph, setGraph] = useState<{ key: string; lines: string[] } | null>(null);
  const id = detail?.incident.id ?? null;
  const status = detail?.incident.status;
  const key = `${id}:${width}`;
  useEffect(() => {
    if (!fetchGraph || !detail) return undefined;
    let live = true;
    const load = () => {
      fetchGraph(detail.incident, detail.alerts, width)
        .then((lines) => {
          if (live) setGraph({ key, lines });
        })
        .catch((e: unknown) => {
          if (live) setGraph({ key, lines: [`Graph: ${(e as Error).message}`] });
        });
    };
    load();
    const timer = setInterval(load, refreshMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
    // Not on `detail` itself: its alerts array is new at every reload; the graph depends on the incident, its state and the width.
  }, [fetchGraph, id, status, width, refreshMs]);
  if (!fetchGraph || !detail) return [];
  return graph?.key === key ? graph.lines : null;
}
