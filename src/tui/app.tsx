/**
 * The incidents terminal UI. Reads through an IncidentSource, acts only through the core and
 * the operator ports, as the terminal user. Every action asks for a confirmation line that says
 * what will happen; results and refusals land in the status line with their reason.
 */
import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { IncidentQuery } from '../adapters/store/incident-browser.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { isChatopsError } from '../core/errors.js';
import { acknowledge } from '../core/incident-actions.js';
import type { ActionChoice, OperatorOutcome, PendingRequest, RemediationTarget } from '../core/operator-ports.js';
import type { Incident, IncidentStatus } from '../core/types.js';
import { clean } from '../cli/format.js';
import { detailLines, type Line } from './detail.js';
import { healthOf } from './health.js';
import { KEYMAP } from './keymap.js';
import { cellText, fit, GAP_TEXT, layoutColumns, MARKER_WIDTH, STATUS_COLOR } from './layout.js';
import type { TuiDeps } from './source.js';

export interface AppProps {
  deps: TuiDeps;
  initialQuery?: IncidentQuery;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  size?: { columns: number; rows: number };
}

type Overlay =
  | { kind: 'help' }
  | { kind: 'filter'; before: string }
  | { kind: 'prompt'; label: string; value: string; submit: (value: string) => void }
  | { kind: 'confirm'; text: string; run: () => void }
  | { kind: 'choose'; title: string; options: string[]; pick: (index: number) => void };

type Tone = 'ok' | 'pending' | 'error' | 'info';
interface Status {
  tone: Tone;
  text: string;
}

const TONE_COLOR: Record<Tone, string | undefined> = { ok: 'green', pending: 'yellow', error: 'red', info: undefined };
const TONE_MARK: Record<Tone, string> = { ok: '✓', pending: '…', error: '✗', info: '·' };

const DEFAULT_SILENCE = '2h';

function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

const statusesLabel = (s: readonly IncidentStatus[] | undefined): string =>
  !s || s.length === 0 ? 'all' : s.length === 2 && s.includes('firing') && s.includes('acknowledged') ? 'open' : s.join('+');

const whereOf = (i: Incident): string => clean([i.namespace, i.target].filter(Boolean).join('/') || '-');
const nameOf = (i: Incident): string => `#${i.id} ${clean(i.alertname || '-')} ${whereOf(i)}`;

function outcomeStatus(o: OperatorOutcome): Status {
  if (o.outcome === 'done') return { tone: 'ok', text: clean(o.message) };
  if (o.outcome === 'pending') return { tone: 'pending', text: clean(o.message) };
  if (o.outcome === 'failed') return { tone: 'error', text: `failed: ${clean(o.reason)}` };
  return { tone: 'error', text: `refused: ${clean(o.reason)}` };
}

export function App({ deps, initialQuery, size: fixedSize }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize(fixedSize);
  // Keys can arrive faster than React renders (typing, pasting, key repeat), and Ink calls the
  // handler of the last commit. So the state a key depends on lives in refs that setters update
  // at once, and React state follows for rendering.
  const [query, setQueryState] = useState<IncidentQuery>(initialQuery ?? {});
  const queryRef = useRef(query);
  const setQuery = (q: IncidentQuery) => {
    queryRef.current = q;
    setQueryState(q);
  };
  const [cursor, setCursorState] = useState(0);
  const cursorRef = useRef(cursor);
  const setCursor = (c: number) => {
    cursorRef.current = c;
    setCursorState(c);
  };
  const [top, setTop] = useState(0);
  type View = { kind: 'list' } | { kind: 'detail'; id: number };
  const [view, setViewState] = useState<View>({ kind: 'list' });
  const viewRef = useRef<View>(view);
  const setView = (v: View) => {
    viewRef.current = v;
    setViewState(v);
  };
  const [scroll, setScrollState] = useState(0);
  const scrollRef = useRef(0);
  const setScroll = (n: number) => {
    scrollRef.current = n;
    setScrollState(n);
  };
  const [selectedRequest, setSelectedRequest] = useState(0);
  const [overlay, setOverlayState] = useState<Overlay | null>(null);
  const overlayRef = useRef<Overlay | null>(null);
  const setOverlay = (o: Overlay | null) => {
    overlayRef.current = o;
    setOverlayState(o);
  };
  const [status, setStatus] = useState<Status | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [now, setNow] = useState(() => deps.clock.now());

  const selectedIdRef = useRef<number | null>(null);

  /** Re-reads after a change, keeping the cursor on the incident it was on. */
  const reload = useCallback(() => {
    const id = selectedIdRef.current;
    if (id !== null) {
      const pos = deps.source.positionOf(id, queryRef.current);
      if (pos !== null) {
        cursorRef.current = pos;
        setCursorState(pos);
      }
    }
    setVersion((v) => v + 1);
  }, [deps]);

  // Live: look for commits by other processes (the daemon, another terminal) every pollMs.
  // PRAGMA data_version is a read of a counter in shared memory, so this costs next to nothing.
  useEffect(() => {
    let seen = deps.source.version();
    let second = Math.floor(deps.clock.now() / 1000);
    const timer = setInterval(() => {
      const v = deps.source.version();
      if (v !== seen) {
        seen = v;
        reload();
      }
      const t = deps.clock.now();
      if (Math.floor(t / 1000) !== second) {
        second = Math.floor(t / 1000);
        setNow(t);
      }
    }, deps.pollMs ?? 250);
    return () => clearInterval(timer);
  }, [deps, reload]);

  // Layout: header (2) + column titles (1) + body + choices + status (1) + input/hints (1),
  // one row short of the terminal so Ink never has to clear the whole screen.
  const chooseLines = overlay?.kind === 'choose' ? overlay.options.length + 1 : 0;
  // A confirmation is never cut: it wraps, and the body gives up the rows it needs.
  const footerLines = overlay?.kind === 'confirm' ? Math.max(1, Math.ceil([...`${overlay.text} [y/N]`].length / Math.max(1, columns - 12))) : 1;
  // The status line wraps too: a refusal's reason is the point of it.
  const statusText = status ? `${TONE_MARK[status.tone]} ${status.text}` : ' ';
  const statusLines = Math.max(1, Math.ceil([...statusText].length / Math.max(1, columns - 12)));
  const bodyHeight = Math.max(1, rows - 1 - 3 - statusLines - footerLines - chooseLines);
  const cols = useMemo(() => layoutColumns(columns), [columns]);

  const page = useMemo(() => {
    const first = deps.source.page(query, 0, 0);
    const total = first.total;
    const cur = Math.min(cursor, Math.max(0, total - 1));
    let t = Math.min(top, Math.max(0, total - bodyHeight));
    if (cur < t) t = cur;
    if (cur >= t + bodyHeight) t = cur - bodyHeight + 1;
    const p = deps.source.page(query, t, bodyHeight);
    const pending = new Map(p.rows.map((r) => [r.id, deps.pending.countFor(r.id)]));
    return { ...p, cursor: cur, top: t, pending };
    // version: re-read when the data changed.
  }, [deps, query, cursor, top, bodyHeight, version]);

  const selectedRow: Incident | null = page.rows[page.cursor - page.top] ?? null;
  selectedIdRef.current = view.kind === 'detail' ? view.id : (selectedRow?.id ?? null);
  const totalRef = useRef(page.total);
  totalRef.current = page.total;
  useEffect(() => {
    // Keep the window where the page put it, so moving back up does not drag it along.
    if (page.top !== top) setTop(page.top);
    // Clamp a cursor left past the end (rows went away), unless a key already moved it on.
    if (page.cursor !== cursor && cursorRef.current === cursor) setCursor(page.cursor);
  });

  const detail = useMemo(() => {
    if (view.kind !== 'detail') return null;
    const incident = deps.source.incident(view.id);
    if (!incident) return null;
    return { incident, alerts: deps.source.alerts(view.id), timeline: deps.source.timeline(view.id), pending: deps.pending.list(view.id) };
  }, [deps, view, version]);

  const lines: Line[] = useMemo(
    () => (detail ? detailLines({ ...detail, selectedRequest, now, width: columns }) : []),
    [detail, selectedRequest, now, columns],
  );

  const health = useMemo(() => healthOf(deps.source.meta('daemon.heartbeat'), deps.source.meta('slack.socket'), now), [deps, now, version]);


  // ---- actions ----------------------------------------------------------------------------

  const perform = useCallback(
    (label: string, fn: () => OperatorOutcome | Promise<OperatorOutcome>) => {
      setBusy(label);
      setStatus({ tone: 'info', text: `${label}…` });
      void (async () => {
        try {
          setStatus(outcomeStatus(await fn()));
        } catch (e) {
          setStatus({ tone: 'error', text: isChatopsError(e) ? e.message : `unexpected error: ${(e as Error)?.message ?? String(e)} (a bug; please report it)` });
        } finally {
          setBusy(null);
          reload(); // our own commits do not move data_version for this connection
        }
      })();
    },
    [reload],
  );

  const confirm = (text: string, run: () => void) => setOverlay({ kind: 'confirm', text, run });

  const startAck = (i: Incident) => {
    confirm(`Acknowledge incident ${nameOf(i)} as ${deps.actor.id}: it shows as yours here, in the CLI and in its Slack thread.`, () =>
      perform(`Acknowledging #${i.id}`, () => {
        try {
          const r = acknowledge(deps.actions, i.id, deps.actor);
          return r.outcome === 'already'
            ? { outcome: 'done', message: `Incident #${i.id} was already acknowledged by ${r.incident.acknowledgedBy}.` }
            : { outcome: 'done', message: `Incident #${i.id} acknowledged by ${deps.actor.id}.` };
        } catch (e) {
          if (isChatopsError(e) && (e.kind === 'conflict' || e.kind === 'refused')) return { outcome: 'refused', reason: e.message };
          throw e;
        }
      }),
    );
  };

  const startSilence = (i: Incident) => {
    const why = deps.silences.unavailable();
    if (why) {
      setStatus({ tone: 'error', text: `refused: ${why}` });
      return;
    }
    const ask = (initial: string) =>
      setOverlay({
        kind: 'prompt',
        label: `Silence the alerts of #${i.id} for (e.g. 30m, 2h, 1d):`,
        value: initial,
        submit: (text) => {
          const ms = parseDuration(text);
          if (ms === null || ms <= 0) {
            setStatus({ tone: 'error', text: `"${clean(text)}" is not a duration: use e.g. 30m, 2h or 1d.` });
            setOverlay(null);
            return;
          }
          let matchers: string;
          try {
            matchers = deps.silences.matchers(i);
          } catch (e) {
            if (!isChatopsError(e)) throw e;
            setOverlay(null);
            setStatus({ tone: 'error', text: `refused: ${clean(e.message)}` });
            return;
          }
          confirm(
            `Create an Alertmanager silence for ${formatDuration(ms)} matching ${clean(matchers)} (the ${i.total} alert(s) of ${nameOf(i)}), as ${deps.actor.id}.`,
            () => perform(`Silencing #${i.id}`, () => deps.silences.silence(i, ms, '', deps.actor)),
          );
        },
      });
    ask(DEFAULT_SILENCE);
  };

  const startRemediation = (i: Incident) => {
    const target: RemediationTarget = { incidentId: i.id, namespace: i.namespace, target: i.target };
    const avail = deps.remediation.available(target, deps.actor);
    if ('refused' in avail) {
      setStatus({ tone: 'error', text: `refused: ${clean(avail.refused)}` });
      return;
    }
    if (avail.actions.length === 0) {
      setStatus({ tone: 'error', text: `refused: the policy enables no action for ${whereOf(i)}.` });
      return;
    }
    const withParams = (choice: ActionChoice, values: Record<string, string>, n: number) => {
      const param = choice.params[n];
      if (!param) {
        const shown = Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ');
        confirm(
          `Request ${choice.action}${shown ? ` (${clean(shown)})` : ''} on ${whereOf(i)} for incident #${i.id} as ${deps.actor.id}: ${clean(choice.summary)}` +
            (choice.needsApproval ? ' — it waits for a second approver.' : ' — policy lets it run now.'),
          () => perform(`Requesting ${choice.action}`, () => deps.remediation.request({ target, action: choice.action, params: values, actor: deps.actor })),
        );
        return;
      }
      setOverlay({ kind: 'prompt', label: `${clean(param.prompt)}:`, value: param.default ?? '', submit: (v) => withParams(choice, { ...values, [param.name]: v.trim() }, n + 1) });
    };
    setOverlay({
      kind: 'choose',
      title: `Request which action on ${whereOf(i)}? (number, Esc cancels)`,
      options: avail.actions.map((a) => clean(`${a.action} [${a.risk}${a.needsApproval ? ', needs a second approver' : ''}] — ${a.summary}`)),
      pick: (n) => withParams(avail.actions[n]!, {}, 0),
    });
  };

  const pendingSelected = (i: Incident): PendingRequest | null => {
    const list = view.kind === 'detail' && detail ? detail.pending : deps.pending.list(i.id);
    return list[view.kind === 'detail' ? Math.min(selectedRequest, list.length - 1) : 0] ?? null;
  };

  const describeRequest = (p: PendingRequest) => {
    const params = Object.entries(p.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
    return clean(`request ${p.id} (${p.action} ${p.target}${params ? ` ${params}` : ''}, requested by ${p.requestedBy})`);
  };

  const startDecision = (i: Incident, approve: boolean) => {
    const p = pendingSelected(i);
    if (!p) {
      setStatus({ tone: 'error', text: `Incident #${i.id} has no pending request to ${approve ? 'approve' : 'deny'}.` });
      return;
    }
    if (approve) {
      confirm(`Approve ${describeRequest(p)} as ${deps.actor.id}: if policy agrees it runs against Kubernetes now.`, () =>
        perform(`Approving ${p.id}`, () => deps.remediation.approve(p.id, deps.actor)),
      );
    } else {
      setOverlay({
        kind: 'prompt',
        label: `Why deny request ${clean(p.id)}?`,
        value: '',
        submit: (reason) =>
          confirm(`Deny ${describeRequest(p)} as ${deps.actor.id}${reason.trim() ? ` because "${clean(reason.trim())}"` : ''}: it will not run.`, () =>
            perform(`Denying ${p.id}`, () => deps.remediation.deny(p.id, deps.actor, reason.trim())),
          ),
      });
    }
  };

  // ---- keys -------------------------------------------------------------------------------

  /** Moves the cursor; the page computation scrolls the window to keep it visible. */
  const moveTo = (to: number) => setCursor(Math.max(0, Math.min(Math.max(0, totalRef.current - 1), to)));
  const moveBy = (delta: number) => moveTo(cursorRef.current + delta);

  const scrollTo = (to: number) => setScroll(Math.max(0, Math.min(Math.max(0, lines.length - bodyHeight - 1), to)));

  const changeQuery = (next: IncidentQuery) => {
    const id = selectedIdRef.current;
    setQuery(next);
    const pos = id !== null ? deps.source.positionOf(id, next) : null;
    setCursor(pos ?? 0);
    if (pos === null) setTop(0);
  };

  const onKey = (input: string, key: Key) => {
    const overlay = overlayRef.current;
    const query = queryRef.current;
    const view = viewRef.current;
    const scroll = scrollRef.current;
    // What the cursor is on now, even if several keys arrived since the last render.
    const current: Incident | null =
      view.kind === 'detail' ? deps.source.incident(view.id) : (deps.source.page(query, cursorRef.current, 1).rows[0] ?? null);
    if (overlay?.kind === 'filter') {
      if (key.return) setOverlay(null);
      else if (key.escape) {
        changeQuery({ ...query, text: overlay.before });
        setOverlay(null);
      } else if (key.backspace || key.delete) changeQuery({ ...query, text: (query.text ?? '').slice(0, -1) });
      else if (input && !key.ctrl && !key.meta) changeQuery({ ...query, text: (query.text ?? '') + clean(input) });
      return;
    }
    if (overlay?.kind === 'prompt') {
      if (key.return) overlay.submit(overlay.value);
      else if (key.escape) {
        setOverlay(null);
        setStatus({ tone: 'info', text: 'Cancelled: nothing was done.' });
      } else if (key.backspace || key.delete) setOverlay({ ...overlay, value: overlay.value.slice(0, -1) });
      else if (input && !key.ctrl && !key.meta) setOverlay({ ...overlay, value: overlay.value + clean(input) });
      return;
    }
    if (overlay?.kind === 'confirm') {
      setOverlay(null);
      if (input === 'y' || input === 'Y') overlay.run();
      else setStatus({ tone: 'info', text: 'Cancelled: nothing was done.' });
      return;
    }
    if (overlay?.kind === 'choose') {
      const n = Number(input);
      if (/^[1-9]$/.test(input) && n <= overlay.options.length) overlay.pick(n - 1);
      else if (key.escape || input === 'q') {
        setOverlay(null);
        setStatus({ tone: 'info', text: 'Cancelled.' });
      }
      return;
    }
    if (overlay?.kind === 'help') {
      if (input === 'q') exit();
      else setOverlay(null);
      return;
    }

    if (input === 'q') return exit();
    if (input === '?') return setOverlay({ kind: 'help' });

    if (busy && 'asrAD'.includes(input)) {
      setStatus({ tone: 'info', text: `${busy}… wait for it to finish.` });
      return;
    }
    if (current) {
      if (input === 'a') return startAck(current);
      if (input === 's') return startSilence(current);
      if (input === 'r') return startRemediation(current);
      if (input === 'A') return startDecision(current, true);
      if (input === 'D') return startDecision(current, false);
    } else if ('asrAD'.includes(input) && input) {
      return setStatus({ tone: 'error', text: 'No incident selected.' });
    }

    if (view.kind === 'detail') {
      if (key.escape || key.leftArrow || key.backspace) {
        setView({ kind: 'list' });
        return;
      }
      if (key.tab) {
        const n = detail?.pending.length ?? 0;
        setSelectedRequest(n === 0 ? 0 : (selectedRequest + 1) % n);
        return;
      }
      if (key.upArrow || input === 'k') scrollTo(scroll - 1);
      else if (key.downArrow || input === 'j') scrollTo(scroll + 1);
      else if (key.pageUp) scrollTo(scroll - bodyHeight);
      else if (key.pageDown || input === ' ') scrollTo(scroll + bodyHeight);
      else if (input === 'g' || key.home) scrollTo(0);
      else if (input === 'G' || key.end) scrollTo(lines.length);
      return;
    }

    if (key.upArrow || input === 'k') moveBy(-1);
    else if (key.downArrow || input === 'j') moveBy(1);
    else if (key.pageUp) moveBy(-bodyHeight);
    else if (key.pageDown || input === ' ') moveBy(bodyHeight);
    else if (input === 'g' || key.home) moveTo(0);
    else if (input === 'G' || key.end) moveTo(totalRef.current - 1);
    else if (key.return && current) {
      setView({ kind: 'detail', id: current.id });
      setScroll(0);
      setSelectedRequest(0);
    } else if (input === '/') setOverlay({ kind: 'filter', before: query.text ?? '' });
    else if (key.escape && query.text) changeQuery({ ...query, text: '' });
    else if (input === '1') changeQuery({ ...query, statuses: ['firing'] });
    else if (input === '2') changeQuery({ ...query, statuses: ['acknowledged'] });
    else if (input === '3') changeQuery({ ...query, statuses: ['resolved'] });
    else if (input === '4') changeQuery({ ...query, statuses: ['firing', 'acknowledged'] });
    else if (input === '0') changeQuery({ ...query, statuses: [] });
  };
  const onKeyRef = useRef(onKey);
  onKeyRef.current = onKey;
  useInput((input, key) => {
    // Ink hands over text that arrives in one read (fast typing, key repeat, paste) as one
    // string; taken a character at a time, "jj" moves twice and "j\r" moves then opens.
    if ([...input].length > 1 && !key.ctrl && !key.meta && !input.includes('\u001B')) {
      for (const ch of input) {
        const enter = ch === '\r' || ch === '\n';
        const back = ch === '\u007F' || ch === '\b';
        onKeyRef.current(enter || back || ch === '\t' ? '' : ch, { ...key, return: enter, tab: ch === '\t', backspace: back });
      }
      return;
    }
    onKeyRef.current(input, key);
  });

  // ---- render -----------------------------------------------------------------------------

  const counts = page.counts;
  // Health first: on a narrow terminal what gets cut is the end of a line, not the daemon state.
  const header = (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>chatops</Text>
        {'  '}
        <Text color={health.daemon.up ? 'green' : 'red'}>{health.daemon.text}</Text>
        {' · '}
        <Text color={health.slack.up === null ? undefined : health.slack.up ? 'green' : 'red'}>{health.slack.text}</Text>
        <Text dimColor>{` · you: ${clean(deps.actor.id)}`}</Text>
      </Text>
      <Text wrap="truncate-end">
        <Text color="red">● {counts.firing} firing</Text>
        {'  '}
        <Text color="yellow">◐ {counts.acknowledged} acked</Text>
        {'  '}
        <Text color="green">✓ {counts.resolved} resolved</Text>
        <Text dimColor>
          {` · showing: ${statusesLabel(query.statuses)}${query.text ? ` · filter: /${query.text}` : ''} · ${
            page.total === 0 ? 'no incidents' : `${page.cursor + 1} of ${page.total}`
          }`}
        </Text>
      </Text>
    </Box>
  );

  let body: ReactNode;
  if (overlay?.kind === 'help') {
    const w = Math.max(...KEYMAP.map(([k]) => k.length));
    body = (
      <Box flexDirection="column" height={bodyHeight + 1}>
        <Text bold>Keys (any key closes this)</Text>
        {KEYMAP.slice(0, bodyHeight).map(([k, v]) => (
          <Text key={k} wrap="truncate-end">
            {`  ${k.padEnd(w)}  ${v}`}
          </Text>
        ))}
      </Box>
    );
  } else if (view.kind === 'detail') {
    const visible = lines.slice(scroll, scroll + bodyHeight + 1);
    body = (
      <Box flexDirection="column" height={bodyHeight + 1}>
        {detail ? (
          visible.map((l, n) => (
            <Text key={scroll + n} wrap="truncate-end" color={l.color} bold={l.bold} dimColor={l.dim} inverse={l.request !== undefined && l.request === selectedRequest && l.bold}>
              {l.text || ' '}
            </Text>
          ))
        ) : (
          <Text color="red">Incident #{view.id} no longer exists.</Text>
        )}
      </Box>
    );
  } else {
    body = (
      <Box flexDirection="column" height={bodyHeight + 1}>
        <Text wrap="truncate-end" bold>
          {' '.repeat(MARKER_WIDTH) + cols.map((c) => fit(c.title, c.width)).join(GAP_TEXT)}
        </Text>
        {page.total === 0 ? (
          <Text dimColor>{query.text || (query.statuses && query.statuses.length) ? '  No incident matches (Esc clears the text filter, 0 shows all).' : '  No incidents.'}</Text>
        ) : (
          page.rows.map((i, n) => {
            const selected = page.top + n === page.cursor;
            const pending = page.pending.get(i.id) ?? 0;
            return (
              <Text key={i.id} wrap="truncate-end" inverse={selected} bold={selected}>
                {selected ? '› ' : '  '}
                {cols.map((c, k) => {
                  const text = fit(cellText(c.key, i, now, pending), c.width) + (k < cols.length - 1 ? GAP_TEXT : '');
                  if (c.key === 'status') return <Text key={c.key} color={STATUS_COLOR[i.status]}>{text}</Text>;
                  if (c.key === 'pending' && pending > 0) return <Text key={c.key} color="magenta">{text}</Text>;
                  return <Text key={c.key}>{text}</Text>;
                })}
              </Text>
            );
          })
        )}
      </Box>
    );
  }

  let footer: ReactNode;
  if (overlay?.kind === 'filter') footer = <Text wrap="truncate-end">/{query.text ?? ''}█ <Text dimColor>(Enter keeps, Esc undoes)</Text></Text>;
  else if (overlay?.kind === 'prompt') footer = <Text wrap="truncate-end">{overlay.label} {overlay.value}█ <Text dimColor>(Enter, Esc cancels)</Text></Text>;
  else if (overlay?.kind === 'confirm') footer = <Text wrap="wrap" color="yellow" bold>{overlay.text} [y/N]</Text>;
  else
    footer = (
      <Text wrap="truncate-end" dimColor>
        {view.kind === 'detail' ? '? keys · q quit · Esc back · ↑↓ scroll · a ack · s silence · r remediate · Tab A D requests' : '? keys · q quit · Enter open · / filter · 1 2 3 4 0 status · a ack · s silence · r remediate · A D approve/deny'}
      </Text>
    );

  return (
    <Box flexDirection="column" width={columns}>
      {header}
      {body}
      {overlay?.kind === 'choose' && (
        <Box flexDirection="column">
          <Text bold wrap="truncate-end">{overlay.title}</Text>
          {overlay.options.map((o, n) => (
            <Text key={n} wrap="truncate-end">{`  ${n + 1}) ${o}`}</Text>
          ))}
        </Box>
      )}
      <Text wrap="wrap" color={status ? TONE_COLOR[status.tone] : undefined}>
        {statusText}
      </Text>
      {footer}
    </Box>
  );
}
