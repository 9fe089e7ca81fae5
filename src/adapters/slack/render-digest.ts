/**
 * A storm digest: one message listing many incidents, updated in place. Each open incident can
 * still be acted on from Slack: one menu opens its thread on demand (its own message, with every
 * button), another acknowledges it — within Block Kit's limits however many are listed.
 */
import type { ActionsBlock, PlainTextElement, PlainTextOption, StaticSelect } from '@slack/types';
import type { Incident } from '../../core/types.js';
import { ACTION, mrkdwn, option, plainText, section, when, type KnownBlock, type SlackMessage } from './blocks.js';
import { cut, LIMITS, plain, safe } from './text.js';

export interface DigestOptions {
  /** Incidents whose own thread was opened from the digest (the line points there). */
  promoted?: ReadonlySet<number>;
  /** Named clusters: each line (and menu option) names its incident's cluster. */
  showCluster?: boolean;
}

const MENU_OPTIONS = 100;
const MENU_GROUPS = 100;

/** The cluster a digest names: its name, `unknown` when none claims the incident. */
const clusterText = (i: Incident): string => (i.cluster === null ? 'unknown' : (i.cluster ?? 'default'));

function line(i: Incident, promoted: boolean, showCluster: boolean): string {
  const icon = i.status === 'resolved' ? '✅' : i.status === 'acknowledged' ? '👀' : '🔥';
  const where = safe(i.target || i.namespace || '-', 120);
  const cluster = showCluster ? ` [${safe(clusterText(i), 63)}]` : '';
  return cut(
    `${icon} *#${i.id}*${cluster} ${safe(i.alertname, 120)} — ${where} (${safe(i.severity || '-', 40)}, ${i.firing}/${i.total} firing)${promoted ? ' · own thread' : ''}`,
    400,
  );
}

/** A menu over incidents: options in groups of 100 (Block Kit's limits), the newest first. */
function incidentMenu(actionId: string, placeholder: string, incidents: readonly Incident[], showCluster: boolean): StaticSelect | null {
  if (incidents.length === 0) return null;
  const opts: PlainTextOption[] = [...incidents]
    .reverse()
    .slice(0, MENU_OPTIONS * MENU_GROUPS)
    .map((i) =>
      option(`#${i.id} ${plain(`${showCluster ? `${clusterText(i)} ` : ''}${i.alertname} ${i.target || i.namespace}`, 60)}`, String(i.id)),
    );
  const base = { type: 'static_select' as const, action_id: actionId, placeholder: plainText(placeholder, LIMITS.placeholder) };
  if (opts.length <= MENU_OPTIONS) return { ...base, options: opts };
  const groups: { label: PlainTextElement; options: PlainTextOption[] }[] = [];
  for (let k = 0; k < opts.length; k += MENU_OPTIONS) {
    const chunk = opts.slice(k, k + MENU_OPTIONS);
    groups.push({ label: plainText(`#${chunk[0]!.value} … #${chunk.at(-1)!.value}`, 75), options: chunk });
  }
  return { ...base, option_groups: groups };
}

/** A storm digest: one message listing many incidents, updated in place. */
export function renderDigest(channelIncidents: readonly Incident[], openedAt: number, opts: DigestOptions = {}): SlackMessage {
  const promoted = opts.promoted ?? new Set<number>();
  const showCluster = opts.showCluster ?? false;
  const open = channelIncidents.filter((i) => i.status !== 'resolved');
  const header = plain(`⚠️ Alert storm: ${channelIncidents.length} incidents (${open.length} open)`, LIMITS.header);
  const blocks: KnownBlock[] = [{ type: 'header', text: { ...plainText(header, LIMITS.header), emoji: true } }];
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `Many incidents opened at once since ${when(openedAt)}, so they are listed here instead of one message each. Pick one in *Open thread…* to get its own message with every button, acknowledge it with *Acknowledge…*, or use \`chatops ack &lt;id&gt;\` / \`chatops incidents show &lt;id&gt;\`.`,
        LIMITS.contextText,
      ),
    ],
  });

  const menus = [
    incidentMenu(
      ACTION.digestOpen,
      'Open thread…',
      open.filter((i) => !promoted.has(i.id)),
      showCluster,
    ),
    incidentMenu(
      ACTION.digestAck,
      'Acknowledge…',
      open.filter((i) => i.status === 'firing'),
      showCluster,
    ),
  ].filter((m): m is StaticSelect => m !== null);
  // Header, context, the "and N more" note and the menus stay; the rest holds the lines.
  const maxSections = LIMITS.blocks - blocks.length - 2;
  const lines = channelIncidents.map((i) => line(i, promoted.has(i.id), showCluster));
  let chunk = '';
  let shown = 0;
  let sections = 0;
  for (const l of lines) {
    if (chunk && chunk.length + l.length + 1 > LIMITS.section) {
      if (sections + 1 >= maxSections) break;
      blocks.push(section(chunk));
      sections++;
      chunk = '';
    }
    chunk = chunk ? `${chunk}\n${l}` : l;
    shown++;
  }
  if (chunk) blocks.push(section(chunk));
  if (shown < lines.length)
    blocks.push({ type: 'context', elements: [mrkdwn(`… and ${lines.length - shown} more: \`chatops incidents list --status open\``)] });
  if (menus.length) {
    const actions: ActionsBlock = { type: 'actions', block_id: 'digest', elements: menus };
    blocks.push(actions);
  }
  return { text: cut(`Alert storm: ${channelIncidents.length} incidents`, LIMITS.fallbackText), blocks: blocks.slice(0, LIMITS.blocks) };
}
