/**
 * What the daemon adds to an incident in Slack after its message: the caption of the graph
 * files, the workload state reply, the SLO lines of the top message, and the one-line note
 * that replaces any of them when it cannot be had. Alert- and cluster-supplied text is escaped.
 */
import type { ContextBlock } from '@slack/types';
import type { SloLine } from '../../core/slo.js';
import { mrkdwn, section, type SlackMessage } from './blocks.js';
import { cut, escapeMrkdwn, httpUrl, link, LIMITS, safe } from './text.js';

/** A one-line note in the thread (a graph or the workload state could not be had, and why). */
export function renderNote(text: string): SlackMessage {
  const line = safe(text.replace(/\s+/g, ' '), 500);
  return { text: line, blocks: [{ type: 'context', elements: [mrkdwn(line, LIMITS.contextText)] }] };
}

/** The workload's state as a thread reply: a title and the lines in a code block. */
export function renderWorkload(target: string, lines: readonly string[]): SlackMessage {
  const head = `*Workload* \`${safe(target, 200)}\` when the incident opened`;
  const body = cut(escapeMrkdwn(lines.join('\n')).replace(/```/g, "'''"), LIMITS.section - head.length - 10);
  return { text: `Workload ${cut(target, 200)}: ${cut(lines[0] ?? '', 300)}`, blocks: [section(`${head}\n\`\`\`${body}\`\`\``)] };
}

/** The caption of the graph files: the query (or queries) and the window. */
export function graphCaption(titles: readonly string[], window: string, recovery: boolean, notes: readonly string[]): string {
  const what = titles.length === 1 ? `\`${safe(titles[0]!, 400)}\`` : `${titles.length} queries`;
  const lead = recovery ? `📉 Recovery: ${what}` : `📈 ${what}`;
  return cut([`${lead} · ${window}`, ...notes.map((n) => `_${safe(n, 300)}_`)].join('\n'), 3000);
}

/** The SLO lines of the top message (a context block), each with its dashboard link. */
export function sloBlock(lines: readonly SloLine[]): ContextBlock | null {
  if (lines.length === 0) return null;
  const text = lines
    .map((l) => {
      const url = httpUrl(l.dashboard);
      return `🎯 ${safe(l.text, 400)}${url ? ` · ${link(url, 'SLO dashboard')}` : ''}`;
    })
    .join('\n');
  return { type: 'context', elements: [mrkdwn(text, LIMITS.contextText)] };
}
