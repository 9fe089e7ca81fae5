/** The two header lines: daemon and Slack health first (a narrow terminal cuts the end), then counts and what is shown. */
import { Box, Text } from 'ink';
import type { IncidentQuery } from '../../adapters/store/incident-browser.js';
import type { IncidentStatus } from '../../core/types.js';
import type { Health } from '../health.js';

const statusesLabel = (s: readonly IncidentStatus[] | undefined): string =>
  !s || s.length === 0 ? 'all' : s.length === 2 && s.includes('firing') && s.includes('acknowledged') ? 'open' : s.join('+');

export function Header(props: {
  health: Health;
  you: string;
  counts: Record<IncidentStatus, number>;
  query: IncidentQuery;
  total: number;
  cursor: number;
}) {
  const { health, counts, query, total } = props;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>chatops</Text>
        {'  '}
        <Text color={health.daemon.up ? 'green' : 'red'}>{health.daemon.text}</Text>
        {' · '}
        <Text color={health.slack.up === null ? undefined : health.slack.up ? 'green' : 'red'}>{health.slack.text}</Text>
        <Text dimColor>{` · you: ${props.you}`}</Text>
      </Text>
      <Text wrap="truncate-end">
        <Text color="red">● {counts.firing} firing</Text>
        {'  '}
        <Text color="yellow">◐ {counts.acknowledged} acked</Text>
        {'  '}
        <Text color="green">✓ {counts.resolved} resolved</Text>
        <Text dimColor>
          {` · showing: ${statusesLabel(query.statuses)}${query.text ? ` · filter: /${query.text}` : ''} · ${total === 0 ? 'no incidents' : `${props.cursor + 1} of ${total}`}`}
        </Text>
      </Text>
    </Box>
  );
}
