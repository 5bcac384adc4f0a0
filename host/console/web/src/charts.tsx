// Charts (recharts), loaded only by the pages that show one. Each chart comes with a
// table of the same figures for screen readers.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Empty, humanize } from "./ui";

type Row = Record<string, any>;
const DATE_KEYS = ["day", "date", "metric_date", "bucket"];
const COLORS = ["var(--primary-color)", "var(--success-color)", "var(--warning-color)", "var(--danger-color)", "var(--text-secondary)"];

/** Rows of a report answer: an array, or the first array among its values. */
export function rowsOf(data: unknown): Row[] {
  if (Array.isArray(data)) return data;
  if (data && typeof data === "object") {
    for (const key of ["items", "days", "data", "series", "metrics"]) {
      const v = (data as Row)[key];
      if (Array.isArray(v)) return v;
    }
  }
  return [];
}

export function TimeChart({ rows, title }: { rows: Row[]; title: string }) {
  if (rows.length === 0) return <Empty>No figures for this period yet.</Empty>;
  const dateKey = DATE_KEYS.find((k) => k in rows[0]) ?? Object.keys(rows[0])[0];
  const series = Object.keys(rows[0]).filter((k) => k !== dateKey && rows.some((r) => typeof r[k] === "number"));
  const data = rows.map((r) => ({ ...r, [dateKey]: String(r[dateKey]).slice(0, 10) }));
  return (
    <figure style={{ margin: 0 }}>
      <div className="chart" aria-hidden="true">
        <ResponsiveContainer>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid stroke="var(--border-color)" strokeDasharray="3 3" />
            <XAxis dataKey={dateKey} stroke="var(--text-secondary)" tick={{ fill: "var(--text-secondary)", fontSize: 12 }} />
            <YAxis stroke="var(--text-secondary)" tick={{ fill: "var(--text-secondary)", fontSize: 12 }} allowDecimals={false} />
            <Tooltip contentStyle={{ background: "var(--surface-color)", border: "1px solid var(--border-color)", color: "var(--text-color)" }} />
            <Legend />
            {series.map((s, i) => (
              <Line key={s} type="monotone" dataKey={s} name={humanize(s)} stroke={COLORS[i % COLORS.length]} strokeWidth={2} dot={false} isAnimationActive={!window.matchMedia?.("(prefers-reduced-motion: reduce)").matches} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only">{title}</figcaption>
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{humanize(dateKey)}</th>
            {series.map((s) => (
              <th key={s} scope="col">
                {humanize(s)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.map((r, i) => (
            <tr key={i}>
              <td>{r[dateKey]}</td>
              {series.map((s) => (
                <td key={s}>{r[s]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export function DailyChart({ data }: { data: unknown }) {
  return <TimeChart rows={rowsOf(data)} title="Orders, tickets and new leads per day" />;
}

/** Campaign metrics: `{metric, day, value}` rows (or per-metric series) pivoted per day. */
export function MetricsChart({ data }: { data: unknown }) {
  const rows = rowsOf(data);
  const byDay = new Map<string, Row>();
  for (const r of rows) {
    if (r.metric !== undefined && (r.day ?? r.date) !== undefined) {
      const day = String(r.day ?? r.date).slice(0, 10);
      const row = byDay.get(day) ?? { day };
      row[String(r.metric ?? r.metric_name)] = Number(r.value ?? r.total ?? r.sum ?? 0);
      byDay.set(day, row);
    } else if (Array.isArray(r.days ?? r.per_day)) {
      for (const d of r.days ?? r.per_day) {
        const day = String(d.day ?? d.date).slice(0, 10);
        const row = byDay.get(day) ?? { day };
        row[String(r.metric ?? r.metric_name)] = Number(d.value ?? d.total ?? d.sum ?? 0);
        byDay.set(day, row);
      }
    }
  }
  const pivoted = byDay.size ? [...byDay.values()].sort((a, b) => String(a.day).localeCompare(String(b.day))) : rows;
  return <TimeChart rows={pivoted} title="Campaign metrics per day" />;
}
