/**
 * Recording rules in the shape Sloth generates (`sloth generate`), for an SLO on Prometheus'
 * own HTTP API (requests answered with 4xx/5xx are errors), so the Prometheus a test starts
 * scrapes itself and evaluates them. Metric names, labels and the join are Sloth's.
 */
export function slothRules(opts: { service: string; slo: string; objective: number }): string {
  const id = `${opts.service}-${opts.slo}`;
  const labels = `{sloth_id: ${id}, sloth_service: ${opts.service}, sloth_slo: ${opts.slo}}`;
  const sel = `sloth_id="${id}", sloth_service="${opts.service}", sloth_slo="${opts.slo}"`;
  const sli = (window: string) => `    - record: slo:sli_error:ratio_rate${window}
      expr: |
        (sum(rate(prometheus_http_requests_total{code=~"(4|5).."}[${window}])) or vector(0))
        /
        sum(rate(prometheus_http_requests_total[${window}]))
      labels: {sloth_id: ${id}, sloth_service: ${opts.service}, sloth_slo: ${opts.slo}, sloth_window: ${window}}`;
  return `groups:
  - name: sloth-slo-sli-recordings-${id}
    rules:
${sli('5m')}
${sli('30d')}
  - name: sloth-slo-meta-recordings-${id}
    rules:
    - record: slo:objective:ratio
      expr: vector(${opts.objective})
      labels: ${labels}
    - record: slo:error_budget:ratio
      expr: vector(1-${opts.objective})
      labels: ${labels}
    - record: slo:time_period:days
      expr: vector(30)
      labels: ${labels}
    - record: slo:current_burn_rate:ratio
      expr: |
        slo:sli_error:ratio_rate5m{${sel}}
        / on(sloth_id, sloth_slo, sloth_service) group_left
        slo:error_budget:ratio{${sel}}
      labels: ${labels}
    - record: slo:period_burn_rate:ratio
      expr: |
        slo:sli_error:ratio_rate30d{${sel}}
        / on(sloth_id, sloth_slo, sloth_service) group_left
        slo:error_budget:ratio{${sel}}
      labels: ${labels}
    - record: slo:period_error_budget_remaining:ratio
      expr: 1 - slo:period_burn_rate:ratio{${sel}}
      labels: ${labels}
`;
}
