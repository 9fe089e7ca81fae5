/**
 * The SLO at stake: which recording-rule queries say how much error budget a service has left
 * and how fast it burns, for Sloth's and Pyrra's rules and for a configured template, and how a
 * result reads. Pure: the daemon runs the queries, an absent rule gives an empty result and
 * nothing is shown.
 *
 * - Sloth (`sloth_service`, `sloth_slo`, `sloth_id` labels): `slo:period_error_budget_remaining:ratio`,
 *   `slo:current_burn_rate:ratio`, `slo:objective:ratio`.
 * - Pyrra (`slo` label): budget left `(pyrra_availability - pyrra_objective) / (1 - pyrra_objective)`
 *   from its generic rules, burn rate `<metric>:burnrate5m / (1 - pyrra_objective)`.
 */
import type { Labels } from './types.js';

export type SloConvention = 'sloth' | 'pyrra' | 'custom';

export interface SloSettings {
  conventions: readonly ('sloth' | 'pyrra')[];
  /** The incident label that names the service (matched against Sloth's `sloth_service`). */
  serviceLabel: string;
  /** A template of one's own: PromQL with `{{label}}` placeholders filled from the incident's labels. */
  custom: { budgetRemaining: string; burnRate: string; nameLabel: string } | null;
  /** Link template with `{{slo}}`, `{{service}}` and `{{label}}` placeholders (URL-encoded). */
  dashboard: string | null;
  /** Most SLOs shown per incident. */
  max: number;
}

export interface SloQuerySet {
  convention: SloConvention;
  budgetRemaining: string;
  burnRate: string;
  objective: string | null;
  /** The result labels that name an SLO (results are joined on them). */
  key: readonly string[];
}

export interface SloStatus {
  convention: SloConvention;
  name: string;
  service: string | null;
  /** Share of the period's error budget left (1 = untouched; negative = overspent). */
  budgetRemaining: number | null;
  /** Errors relative to the budget's sustainable rate now (1 = the budget lasts exactly the period). */
  burnRate: number | null;
  objective: number | null;
  labels: Labels;
}

/** A label value inside a PromQL double-quoted string. */
const quote = (v: string): string => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** Fills `{{name}}` placeholders; null when one names a label the incident lacks. */
export function fillTemplate(template: string, values: Labels, encode: (v: string) => string): string | null {
  let missing = false;
  const out = template.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined || v === '') {
      missing = true;
      return '';
    }
    return encode(v);
  });
  return missing ? null : out;
}

/** The query sets worth running for an incident's labels (none when nothing names a service or SLO). */
export function sloQueries(labels: Labels, s: SloSettings): SloQuerySet[] {
  const out: SloQuerySet[] = [];
  if (s.conventions.includes('sloth')) {
    let sel: string | null = null;
    if (labels.sloth_id) sel = `sloth_id=${quote(labels.sloth_id)}`;
    else if (labels.sloth_service && labels.sloth_slo)
      sel = `sloth_service=${quote(labels.sloth_service)}, sloth_slo=${quote(labels.sloth_slo)}`;
    else if (labels.sloth_service || labels[s.serviceLabel])
      sel = `sloth_service=${quote(labels.sloth_service || labels[s.serviceLabel]!)}`;
    if (sel) {
      out.push({
        convention: 'sloth',
        budgetRemaining: `slo:period_error_budget_remaining:ratio{${sel}}`,
        burnRate: `slo:current_burn_rate:ratio{${sel}}`,
        objective: `slo:objective:ratio{${sel}}`,
        key: ['sloth_service', 'sloth_slo'],
      });
    }
  }
  if (s.conventions.includes('pyrra') && labels.slo) {
    const sel = `slo=${quote(labels.slo)}`;
    out.push({
      convention: 'pyrra',
      budgetRemaining: `(pyrra_availability{${sel}} - on(slo) pyrra_objective{${sel}}) / on(slo) (1 - pyrra_objective{${sel}})`,
      burnRate: `{__name__=~".+:burnrate5m", ${sel}} / on(slo) group_left (1 - pyrra_objective{${sel}})`,
      objective: `pyrra_objective{${sel}}`,
      key: ['slo'],
    });
  }
  if (s.custom) {
    const budget = fillTemplate(s.custom.budgetRemaining, labels, quote);
    const burn = fillTemplate(s.custom.burnRate, labels, quote);
    if (budget && burn)
      out.push({ convention: 'custom', budgetRemaining: budget, burnRate: burn, objective: null, key: [s.custom.nameLabel] });
  }
  return out;
}

/** One sample of an instant-query vector. */
export interface Sample {
  labels: Labels;
  value: number;
}

/**
 * Joins the three results of one query set into SLO statuses (by the set's key labels), at
 * most `max`; the ones burning fastest first.
 */
export function sloStatuses(
  set: SloQuerySet,
  budget: readonly Sample[],
  burn: readonly Sample[],
  objective: readonly Sample[],
  max: number,
): SloStatus[] {
  const keyOf = (l: Labels) => set.key.map((k) => l[k] ?? '').join('\u0000');
  const byKey = new Map<string, SloStatus>();
  const entry = (l: Labels): SloStatus => {
    const k = keyOf(l);
    let e = byKey.get(k);
    if (!e) {
      const name = set.convention === 'sloth' ? (l.sloth_slo ?? l.sloth_id ?? '') : (l[set.key[0]!] ?? '');
      e = {
        convention: set.convention,
        name: name || 'SLO',
        service: l.sloth_service ?? l.service ?? null,
        budgetRemaining: null,
        burnRate: null,
        objective: null,
        labels: l,
      };
      byKey.set(k, e);
    }
    return e;
  };
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  for (const s of budget) entry(s.labels).budgetRemaining = finite(s.value);
  for (const s of burn) {
    const e = entry(s.labels);
    // Several burn-rate series for one SLO (Pyrra per grouping): the worst one counts.
    const v = finite(s.value);
    if (v !== null) e.burnRate = e.burnRate === null ? v : Math.max(e.burnRate, v);
  }
  for (const s of objective) {
    const e = byKey.get(keyOf(s.labels));
    if (e) e.objective = finite(s.value);
  }
  return [...byKey.values()]
    .filter((e) => e.budgetRemaining !== null || e.burnRate !== null)
    .sort((a, b) => (b.burnRate ?? 0) - (a.burnRate ?? 0))
    .slice(0, max);
}

const pct = (r: number): string => {
  const v = r * 100;
  return `${Math.abs(v) >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(1)} %`;
};

/** What one SLO status says, in plain words (each face escapes it its own way). */
export function sloText(s: SloStatus): string {
  const parts = [
    s.budgetRemaining === null
      ? null
      : s.budgetRemaining < 0
        ? `error budget overspent by ${pct(-s.budgetRemaining)}`
        : `${pct(s.budgetRemaining)} of the error budget left`,
    s.burnRate === null ? null : `burning ${s.burnRate >= 10 ? s.burnRate.toFixed(0) : s.burnRate.toFixed(1)}×`,
  ].filter(Boolean);
  const objective =
    s.objective !== null
      ? ` (objective ${(s.objective * 100).toPrecision(Math.min(5, Math.max(3, String(s.objective).length - 2)))} %)`
      : '';
  return `SLO ${s.service && !s.name.includes(s.service) ? `${s.service}/` : ''}${s.name}${objective}: ${parts.join(', ')}`;
}

/** The dashboard link of a status, or null when the template names a label it lacks. */
export function sloDashboard(template: string | null, s: SloStatus, incidentLabels: Labels): string | null {
  if (!template) return null;
  return fillTemplate(
    template,
    { ...incidentLabels, ...s.labels, slo: s.name, ...(s.service ? { service: s.service } : {}) },
    encodeURIComponent,
  );
}

/** What the incident shows for one SLO: its sentence and its dashboard link (stored with the incident). */
export interface SloLine {
  text: string;
  dashboard: string | null;
}

export function sloLines(statuses: readonly SloStatus[], dashboard: string | null, incidentLabels: Labels): SloLine[] {
  return statuses.map((s) => ({ text: sloText(s), dashboard: sloDashboard(dashboard, s, incidentLabels) }));
}
