/** Where Slack parses mentions and links in a message: every mrkdwn text object, plus the fallback text. */
export function mrkdwnTexts(m: { text: string; blocks: readonly unknown[] }): string[] {
  const out = [m.text];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(m.blocks);
  return out;
}
