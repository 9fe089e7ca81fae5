/** The incident rows on screen, under their column titles; the selected row is marked › (and inverse). */
import { Box, Text } from 'ink';
import { memo } from 'react';
import type { Incident } from '../../core/types.js';
import { cellText, fit, GAP_TEXT, MARKER_WIDTH, STATUS_COLOR, type Column } from '../layout.js';

export function IncidentList(props: {
  columns: readonly Column[];
  rows: readonly Incident[];
  top: number;
  cursor: number;
  pending: ReadonlyMap<number, number>;
  now: number;
  height: number;
  /** What to say when no row matches. */
  empty: string;
}) {
  const { columns, now } = props;
  return (
    <Box flexDirection="column" height={props.height + 1}>
      <Text wrap="truncate-end" bold>
        {' '.repeat(MARKER_WIDTH) + columns.map((c) => fit(c.title, c.width)).join(GAP_TEXT)}
      </Text>
      {props.rows.length === 0 ? (
        <Text dimColor>{`  ${props.empty}`}</Text>
      ) : (
        props.rows.map((i, n) => (
          <Row
            key={i.id}
            incident={i}
            selected={props.top + n === props.cursor}
            pending={props.pending.get(i.id) ?? 0}
            columns={columns}
            now={now}
          />
        ))
      )}
    </Box>
  );
}

/**
 * One row, one text per cell: Ink measures every text on every frame, and a plain-ASCII cell
 * takes string-width's fast path where a whole row with one ● does not. Memoised: moving the
 * cursor re-renders two rows, not the screen's worth.
 */
const Row = memo(function Row(props: { incident: Incident; selected: boolean; pending: number; columns: readonly Column[]; now: number }) {
  const { incident: i, selected, pending, columns } = props;
  return (
    <Box>
      <Text inverse={selected} bold={selected}>
        {selected ? '› ' : '  '}
      </Text>
      {columns.map((c, k) => {
        const text = fit(cellText(c.key, i, props.now, pending), c.width) + (k < columns.length - 1 ? GAP_TEXT : '');
        const color = c.key === 'status' ? STATUS_COLOR[i.status] : c.key === 'pending' && pending > 0 ? 'magenta' : undefined;
        return (
          <Text key={c.key} wrap="truncate-end" inverse={selected} bold={selected} color={color}>
            {text}
          </Text>
        );
      })}
    </Box>
  );
});
