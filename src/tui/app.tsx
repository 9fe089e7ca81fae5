/**
 * The incidents terminal UI. Reads through an IncidentSource one screenful at a time, acts only
 * through the operator service, as the terminal user. Every action asks for a
 * confirmation line that says what will happen; results and refusals land in the status line
 * with their reason, and what a read returns (pods, logs) in a pane of its own.
 */
import { Box, Text, useApp, type Key } from 'ink';
import { useCallback, useMemo, useRef, useState } from 'react';
import type { IncidentQuery } from '../adapters/store/incident-browser.js';
import type { IncidentStatus } from '../core/types.js';
import { clean } from '../text/terminal.js';
import { startAck, startDecision, startRemediation, startSilence, startUnsilence, type ActionKit } from './actions.js';
import { Chooser } from './components/chooser.js';
import { InputLine, StatusLine, statusText } from './components/footer.js';
import { Header } from './components/header.js';
import { Help } from './components/help.js';
import { IncidentList } from './components/incident-list.js';
import { ScrollView } from './components/scroll-view.js';
import { detailLines, wrap, type Line } from './detail.js';
import { useHealth } from './hooks/use-health.js';
import { useKeys } from './hooks/use-keys.js';
import { useClock } from './hooks/use-clock.js';
import { useIncidentGraph } from './hooks/use-incident-graph.js';
import { useLatestState } from './hooks/use-latest-state.js';
import { useLive } from './hooks/use-live.js';
import { useTerminalSize, type Size } from './hooks/use-terminal-size.js';
import { commandFor, type Command } from './keys.js';
import { cellText, layoutColumns, wrappedRows } from './layout.js';
import { settle, type Status } from './outcome.js';
import { overlayKey } from './overlay-keys.js';
import type { TuiDeps } from './source.js';
import { clamp, contextOf, initialState, windowTop, type Overlay, type UiState } from './state.js';

export interface AppProps {
  deps: TuiDeps;
  initialQuery?: IncidentQuery;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  size?: Size;
}

/** Alerts and timeline entries the incident view reads at most (a storm leaves thousands; the CLI shows them all). */
const DETAIL_ROWS = 200;

export function App({ deps, initialQuery, size }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize(size);
  const [ui, setUi, latest] = useLatestState<UiState>(() => initialState(initialQuery));
  const patch = useCallback((p: Partial<UiState>) => setUi((s) => ({ ...s, ...p })), [setUi]);
  const [version, setVersion] = useState(0);
  /** The incident under the cursor (or open) at the last render: a reload keeps the cursor on it. */
  const selectedId = useRef<number | null>(null);

  const reload = useCallback(() => {
    const id = selectedId.current;
    const pos = id === null ? null : deps.source.positionOf(id, latest.current.query);
    if (pos !== null) patch({ cursor: pos });
    setVersion((v) => v + 1);
  }, [deps, latest, patch]);
  useLive(deps.source, reload, { pollMs: deps.pollMs, reloadMs: deps.reloadMs });

  // Rows: header (2) + column titles (1) + body + choices + status + input/hints, one row short
  // of the terminal so Ink never has to clear the whole screen.
  const { overlay } = ui;
  const chooseRows = overlay?.kind === 'choose' ? overlay.options.length + 1 : 0;
  const footerRows = overlay?.kind === 'confirm' ? wrappedRows(`${overlay.text} [y/N]`, columns) : 1;
  const height = Math.max(1, rows - 1 - 3 - wrappedRows(statusText(ui.status), columns) - footerRows - chooseRows);
  const cols = useMemo(() => layoutColumns(columns, { cluster: deps.showCluster }), [columns, deps.showCluster]);

  // The window of rows on screen is read again only when it moves or the data changed, not
  // when the cursor moves inside it. (version: read again when the data changed.)
  const { total, counts } = useMemo(() => deps.source.page(ui.query, 0, 0), [deps, ui.query, version]);
  const cursor = clamp(ui.cursor, 0, total - 1);
  const top = windowTop(ui.top, cursor, height, total);
  const visible = useMemo(() => {
    const { rows } = deps.source.page(ui.query, top, height);
    return { rows, pending: new Map(rows.map((r) => [r.id, deps.pending.countFor(r.id)])) };
  }, [deps, ui.query, top, height, version]);
  selectedId.current = ui.view.kind === 'detail' ? ui.view.id : (visible.rows[cursor - top]?.id ?? null);

  // The clock redraws only when the time shown changes (see `shows` below, read through `shown`).
  const now = useClock(deps.clock, (t) => shown.current.shows(t), Math.min(1000, deps.pollMs ?? 1000));

  const detail = useMemo(() => {
    if (ui.view.kind !== 'detail') return null;
    const id = ui.view.id;
    const incident = deps.source.incident(id);
    const timeline = deps.source.timeline(id, DETAIL_ROWS);
    return (
      incident && {
        incident,
        alerts: deps.source.alerts(id, DETAIL_ROWS),
        timeline: timeline.rows,
        timelineTotal: timeline.total,
        pending: deps.pending.list(id),
      }
    );
  }, [deps, ui.view, version]);
  const graph = useIncidentGraph(deps.graph ?? null, detail, columns - 2);
  const lines: Line[] = useMemo(
    () => (detail ? detailLines({ ...detail, selectedRequest: ui.selectedRequest, now, width: columns, graph }) : []),
    [detail, ui.selectedRequest, now, columns, graph],
  );
  const paneLines: Line[] = useMemo(
    () =>
      ui.pane ? [{ text: ui.pane.title, bold: true }, ...ui.pane.lines.flatMap((l) => wrap(l, columns).map((text) => ({ text })))] : [],
    [ui.pane, columns],
  );
  const health = useHealth(deps.source, deps.clock, deps.pollMs);

  /** What the time `t` puts on screen: the ages in the list, the "… ago"s of the open incident. */
  const shows = (t: number): string =>
    detail
      ? detailLines({ ...detail, selectedRequest: ui.selectedRequest, now: t, width: columns, graph })
          .map((l) => l.text)
          .join('\n')
      : visible.rows.map((i) => cellText('age', i, t, 0)).join(' ');
  /** What key handlers and the clock see of the last render (several keys may arrive before the next). */
  const shown = useRef({ total: 0, height, lines, paneLines, shows });
  shown.current = { total, height, lines, paneLines, shows };

  // ---- actions ----------------------------------------------------------------------------

  const say = (status: Status) => patch({ status });
  const kit: ActionKit = {
    deps,
    ask: (o) => patch({ overlay: o }),
    say,
    perform(label, fn) {
      patch({ busy: label, status: { tone: 'info', text: `${label}…` } });
      void settle(fn).then((shown) => {
        patch({ busy: null, ...shown });
        reload(); // our own commits do not move data_version for this connection
      });
    },
  };

  /** The incident the keys act on, even if several keys arrived since the last render. */
  const current = () => {
    const s = latest.current;
    if (s.view.kind === 'detail') return deps.source.incident(s.view.id);
    return deps.source.page(s.query, clamp(s.cursor, 0, shown.current.total - 1), 1).rows[0] ?? null;
  };

  const moveTo = (to: number) => {
    const { total, height: h } = shown.current;
    const cursor = clamp(to, 0, total - 1);
    setUi((s) => ({ ...s, cursor, top: windowTop(s.top, cursor, h, total) }));
  };
  const scrollTo = (to: number) => {
    const s = latest.current;
    const { lines: detailRows, paneLines: paneRows, height: h } = shown.current;
    if (s.pane) return patch({ pane: { ...s.pane, scroll: clamp(to, 0, paneRows.length - h - 1) } });
    patch({ scroll: clamp(to, 0, detailRows.length - h - 1) });
  };
  const changeQuery = (next: IncidentQuery) => {
    const pos = selectedId.current === null ? null : deps.source.positionOf(selectedId.current, next);
    patch({ query: next, cursor: pos ?? 0, ...(pos === null ? { top: 0 } : {}) });
  };
  const pendingOf = (id: number) => (latest.current.view.kind === 'detail' && detail ? detail.pending : deps.pending.list(id));

  const nextRequest = () => {
    const s = latest.current;
    const list = detail?.pending ?? [];
    if (!detail || list.length === 0)
      return say({ tone: 'info', text: `Incident #${s.view.kind === 'detail' ? s.view.id : '-'} has no pending request to select.` });
    const n = (s.selectedRequest + 1) % list.length;
    // Bring the selected request on screen: it is usually below the alerts.
    const at = shown.current.lines.findIndex((l) => l.request === n);
    const h = shown.current.height;
    const scroll = at >= 0 && (at < s.scroll || at > s.scroll + h) ? clamp(at - 1, 0, shown.current.lines.length - h - 1) : s.scroll;
    patch({
      selectedRequest: n,
      scroll,
      status: { tone: 'info', text: `Request ${clean(list[n]!.id)} selected (${n + 1} of ${list.length}): A approves, D denies.` },
    });
  };

  const step =
    (list: number, page: number): (() => void) =>
    () => {
      const s = latest.current;
      if (contextOf(s) === 'list') moveTo(clamp(s.cursor, 0, shown.current.total - 1) + list);
      else scrollTo((s.pane ? s.pane.scroll : s.scroll) + page);
    };
  const show = (statuses: IncidentStatus[]) => () => changeQuery({ ...latest.current.query, statuses });
  const h = height;
  const commands: Record<Command, () => void> = {
    help: () => patch({ overlay: { kind: 'help' } }),
    quit: () => exit(),
    up: step(-1, -1),
    down: step(1, 1),
    pageUp: step(-h, -h),
    pageDown: step(h, h),
    first: () => (contextOf(latest.current) === 'list' ? moveTo(0) : scrollTo(0)),
    last: () => (contextOf(latest.current) === 'list' ? moveTo(shown.current.total - 1) : scrollTo(Number.MAX_SAFE_INTEGER)),
    open: () => {
      const i = current();
      if (i) patch({ view: { kind: 'detail', id: i.id }, scroll: 0, selectedRequest: 0 });
    },
    back: () => (latest.current.pane ? patch({ pane: null }) : patch({ view: { kind: 'list' } })),
    clearFilter: () => {
      if (latest.current.query.text) changeQuery({ ...latest.current.query, text: '' });
    },
    filter: () => patch({ overlay: { kind: 'filter', before: latest.current.query.text ?? '' } }),
    showFiring: show(['firing']),
    showAcknowledged: show(['acknowledged']),
    showResolved: show(['resolved']),
    showOpen: show(['firing', 'acknowledged']),
    showAll: show([]),
    ack: () => withIncident((i) => startAck(kit, i)),
    silence: () => withIncident((i) => startSilence(kit, i)),
    unsilence: () => withIncident((i) => startUnsilence(kit, i)),
    remediate: () => withIncident((i) => startRemediation(kit, i)),
    nextRequest,
    approve: () => withIncident((i) => startDecision(kit, i, selectedPending(i.id), true)),
    deny: () => withIncident((i) => startDecision(kit, i, selectedPending(i.id), false)),
  };
  function withIncident(act: (i: NonNullable<ReturnType<typeof current>>) => void) {
    const i = current();
    if (i) act(i);
    else say({ tone: 'error', text: 'No incident selected.' });
  }
  function selectedPending(id: number) {
    const list = pendingOf(id);
    return list[latest.current.view.kind === 'detail' ? Math.min(latest.current.selectedRequest, list.length - 1) : 0] ?? null;
  }

  useKeys((input: string, key: Key) => {
    const s = latest.current;
    if (s.overlay) {
      return overlayKey(s.overlay, input, key, {
        ask: (o: Overlay | null) => patch({ overlay: o }),
        cancel: (text) => patch({ overlay: null, status: { tone: 'info', text } }),
        filterText: () => latest.current.query.text ?? '',
        setFilterText: (text) => changeQuery({ ...latest.current.query, text }),
        quit: exit,
      });
    }
    const hit = commandFor(contextOf(s), input, key);
    if (!hit) return;
    if (hit.row.acts && s.busy) return say({ tone: 'info', text: `${s.busy}… wait for it to finish.` });
    commands[hit.command]();
  });

  // ---- render -----------------------------------------------------------------------------

  let body;
  if (overlay?.kind === 'help') body = <Help height={height} />;
  else if (ui.pane) body = <ScrollView lines={paneLines} scroll={ui.pane.scroll} height={height} />;
  else if (ui.view.kind === 'detail') {
    body = detail ? (
      <ScrollView lines={lines} scroll={ui.scroll} height={height} selectedRequest={ui.selectedRequest} />
    ) : (
      <Box height={height + 1}>
        <Text color="red">Incident #{ui.view.id} no longer exists.</Text>
      </Box>
    );
  } else {
    const filtered = Boolean(ui.query.text || ui.query.statuses?.length);
    body = (
      <IncidentList
        columns={cols}
        rows={visible.rows}
        top={top}
        cursor={cursor}
        pending={visible.pending}
        now={now}
        height={height}
        empty={filtered ? 'No incident matches (Esc clears the text filter, 0 shows all).' : 'No incidents.'}
      />
    );
  }
  return (
    <Box flexDirection="column" width={columns}>
      <Header health={health} you={clean(deps.actor.id)} counts={counts} query={ui.query} total={total} cursor={cursor} />
      {body}
      {overlay?.kind === 'choose' && <Chooser title={overlay.title} options={overlay.options} />}
      <StatusLine status={ui.status} />
      <InputLine overlay={overlay} filterText={ui.query.text ?? ''} context={contextOf(ui)} />
    </Box>
  );
}
