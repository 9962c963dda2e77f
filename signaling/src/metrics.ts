/**
 * A tiny Prometheus text-format registry: counters and gauges with label sets.
 * Enough for `/metrics` without pulling in a client library.
 */
export interface Metrics {
  inc(name: string, labels?: Record<string, string>, by?: number): void;
  set(name: string, value: number, labels?: Record<string, string>): void;
  /** Render every series in the Prometheus exposition format (version 0.0.4). */
  render(): string;
}

interface Family {
  help: string;
  kind: 'counter' | 'gauge';
  series: Map<string, number>;
}

/**
 * @example
 * const m = createMetrics({ hypersend_ws_messages_total: ['counter', 'WebSocket messages received by type'] });
 * m.inc('hypersend_ws_messages_total', { type: 'signal' });
 */
export function createMetrics(definitions: Record<string, ['counter' | 'gauge', string]>): Metrics {
  const families = new Map<string, Family>();
  for (const [name, [kind, help]] of Object.entries(definitions)) {
    families.set(name, { kind, help, series: new Map() });
  }
  const family = (name: string): Family => {
    const f = families.get(name);
    if (!f) throw new Error(`metric ${name} is not defined`);
    return f;
  };
  return {
    inc(name, labels = {}, by = 1) {
      const f = family(name);
      const key = labelKey(labels);
      f.series.set(key, (f.series.get(key) ?? 0) + by);
    },
    set(name, value, labels = {}) {
      family(name).series.set(labelKey(labels), value);
    },
    render() {
      const lines: string[] = [];
      for (const [name, f] of families) {
        lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.kind}`);
        if (f.series.size === 0 && f.kind === 'gauge') lines.push(`${name} 0`);
        for (const [key, value] of f.series) lines.push(`${name}${key} ${value}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

function labelKey(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  entries.sort(([a], [b]) => (a < b ? -1 : 1));
  const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${entries.map(([k, v]) => `${k}="${escapeValue(v)}"`).join(',')}}`;
}
