// Charts (recharts), loaded only by the pages that show one. Each chart comes with a
// table of the same figures for screen readers.
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Empty, humanize } from "./ui";

type Row = Record<string, string | number>;
const COLORS = ["var(--primary-color)", "var(--success-color)", "var(--warning-color)", "var(--danger-color)", "var(--text-secondary)"];

/** A line per series over days: `rows` are `{[dateKey]: "YYYY-MM-DD", [series]: number}`. */
export function TimeChart({ rows, dateKey, series, title }: { rows: Row[]; dateKey: string; series: { key: string; label: string }[]; title: string }) {
  if (rows.length === 0 || series.length === 0) return <Empty>No figures for this period yet.</Empty>;
  const animate = !window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
  return (
    <figure style={{ margin: 0 }}>
      <div className="chart" aria-hidden="true">
        <ResponsiveContainer>
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid stroke="var(--border-color)" strokeDasharray="3 3" />
            <XAxis dataKey={dateKey} stroke="var(--text-secondary)" tick={{ fill: "var(--text-secondary)", fontSize: 12 }} />
            <YAxis stroke="var(--text-secondary)" tick={{ fill: "var(--text-secondary)", fontSize: 12 }} allowDecimals={false} />
            <Tooltip contentStyle={{ background: "var(--surface-color)", border: "1px solid var(--border-color)", color: "var(--text-color)" }} />
            <Legend />
            {series.map((s, i) => (
              <Line key={s.key} type="monotone" dataKey={s.key} name={s.label} stroke={COLORS[i % COLORS.length]} strokeWidth={2} dot={rows.length < 3} isAnimationActive={animate} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only">{title}</figcaption>
      {/* In a clipped box: a table ignores the height of .sr-only, and would leave the
          page as tall as its rows. */}
      <div className="sr-only">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {series.map((s) => (
                <th key={s.key} scope="col">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={String(r[dateKey])}>
                <td>{r[dateKey]}</td>
                {series.map((s) => (
                  <td key={s.key}>{r[s.key] ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** `GET /api/v1/dashboard/daily`: every day of the window, oldest first, zero-filled. */
export interface DailyMetrics {
  from: string;
  to: string;
  days: number;
  items: { date: string; orders: number; tickets: number; new_leads: number }[];
}

export const DAILY_SERIES = [
  { key: "orders", label: "Orders" },
  { key: "tickets", label: "Tickets" },
  { key: "new_leads", label: "New leads" },
] as const;

export function DailyChart({ data }: { data: DailyMetrics }) {
  return <TimeChart rows={data.items} dateKey="date" series={[...DAILY_SERIES]} title="Orders, tickets and new leads per day" />;
}

/** `GET /api/v1/studio/campaigns/{id}/metrics`: sums per day and metric, and in all. */
export interface CampaignMetrics {
  daily: { day: string; metric: string; sum: number | null; count: number }[];
  totals: Record<string, { sum: number | null; count: number }>;
  result_metric: string;
  cost_per_result: number | null;
  roi: number | null;
}

/** The daily sums pivoted to one row per day with a column per metric. */
export function MetricsChart({ data }: { data: CampaignMetrics }) {
  const byDay = new Map<string, Row>();
  for (const r of data.daily) {
    const day = String(r.day).slice(0, 10);
    const row = byDay.get(day) ?? { day };
    row[r.metric] = r.sum ?? 0;
    byDay.set(day, row);
  }
  const rows = [...byDay.values()].sort((a, b) => String(a.day).localeCompare(String(b.day)));
  const series = Object.keys(data.totals)
    .sort()
    .map((key) => ({ key, label: humanize(key) }));
  return <TimeChart rows={rows} dateKey="day" series={series} title="Campaign metrics per day" />;
}
