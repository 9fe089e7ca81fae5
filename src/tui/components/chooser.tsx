/** A numbered choice under the body (e.g. which remediation to request). */
import { Box, Text } from 'ink';

export function Chooser(props: { title: string; options: readonly string[] }) {
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {props.title}
      </Text>
      {props.options.map((o, n) => (
        <Text key={n} wrap="truncate-end">{`  ${n + 1}) ${o}`}</Text>
      ))}
    </Box>
  );
}
