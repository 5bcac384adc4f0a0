// ERP, Studio and Support: the generic entity pages with each module's extras (order
// lines and status moves, reorder alerts, campaign content and metrics, ticket messages
// and SLA badges, the knowledge base).
import { lazy, Suspense, useRef, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, asPage } from "../api";
import type { CampaignMetrics } from "../charts";
import { useAuth } from "../auth";
import { GenericList, GenericNew, GenericRecord, RecordList } from "../entity";
import { RequireModule, useCatalog, useEnabled, useEntity } from "../modules";
import { Badge, Empty, Field, FormError, Loading, Page, QueryState, focusField, formatValue, humanize, money, useFormErrors } from "../ui";

const MetricsChart = lazy(() => import("../charts").then((m) => ({ default: m.MetricsChart })));
type Row = Record<string, any>;

// ---------------- ERP ----------------

export function Reorder() {
  const list = useQuery({ queryKey: ["reorder"], queryFn: () => api("/api/v1/erp/products/reorder", { query: { limit: 200 } }).then((d) => asPage(d).items) });
  return (
    <RequireModule name="erp">
      <Page title="Reorder alerts">
        <p className="muted">Products at or below their reorder level.</p>
        <QueryState query={list} isEmpty={(d) => d.length === 0} empty="No product needs reordering.">
          {(items) => (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Products to reorder</caption>
                <thead>
                  <tr>
                    <th scope="col">SKU</th>
                    <th scope="col">Product</th>
                    <th scope="col">In stock</th>
                    <th scope="col">Reorder level</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((p: Row) => (
                    <tr key={p.product_id}>
                      <td>{p.sku}</td>
                      <td>
                        <Link to={`/erp/products/${p.product_id}`}>{p.name}</Link>
                      </td>
                      <td>
                        <Badge value={String(p.stock_quantity)} tone="bad" />
                      </td>
                      <td>{p.reorder_level}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryState>
      </Page>
    </RequireModule>
  );
}

const ORDER_MOVES: Record<string, string[]> = {
  pending: ["confirmed", "cancelled"],
  confirmed: ["shipped", "cancelled"],
  shipped: ["completed"],
};

function OrderStatus({ order, path }: { order: Row; path: string }) {
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const move = useMutation({
    mutationFn: (status: string) => api(`${path}/status`, { method: "POST", body: { status } }),
    onSuccess: () => {
      setError(null);
      void client.invalidateQueries();
    },
    onError: (e) => setError((e as Error).message),
  });
  return (
    <>
      {(ORDER_MOVES[order.status] ?? []).map((s) => (
        <button key={s} type="button" className={s === "cancelled" ? "danger" : "primary"} disabled={move.isPending} onClick={() => move.mutate(s)}>
          {s === "cancelled" ? "Cancel order" : `Mark ${humanize(s).toLowerCase()}`}
        </button>
      ))}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}

function OrderLines({ order }: { order: Row }) {
  const lines: Row[] = order.items ?? order.order_items ?? order.lines ?? [];
  const products = useQuery({ queryKey: ["products", "all"], queryFn: () => api("/api/v1/erp/products", { query: { limit: 200 } }).then((d) => asPage(d).items) });
  const product = (id: string) => products.data?.find((p: Row) => p.product_id === id);
  if (!lines.length) return null;
  return (
    <section className="card" aria-labelledby="lines">
      <h2 id="lines" style={{ marginTop: 0 }}>
        Line items
      </h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Quantity</th>
              <th scope="col">Unit price</th>
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l, i) => (
              <tr key={l.order_item_id ?? i}>
                <td>{l.product_name ?? product(l.product_id)?.name ?? l.product_id}</td>
                <td>{l.quantity}</td>
                <td>{money(l.unit_price)}</td>
                <td>{money(l.total_price)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function Orders() {
  return <GenericList module="erp" entity="orders" base="/erp/orders" title="Orders" list={{ columns: ["order_number", "status", "total_amount", "order_date", "created_at"], filters: [{ name: "status", label: "Status", choices: ["pending", "confirmed", "shipped", "completed", "cancelled"] }] }} />;
}

export function OrderRecord() {
  return <GenericRecord module="erp" entity="orders" base="/erp/orders" title="Orders" skip={["items", "metadata"]} actions={(r, path) => <OrderStatus order={r} path={path} />} extra={(r) => <OrderLines order={r} />} />;
}

export function OrderNew() {
  const enabled = useEnabled();
  const products = useQuery({ queryKey: ["products", "all"], queryFn: () => api("/api/v1/erp/products", { query: { limit: 200 } }).then((d) => asPage(d).items) });
  const customers = useQuery({ queryKey: ["contacts", "all"], queryFn: () => api("/api/v1/crm/contacts", { query: { limit: 200 } }).then((d) => asPage(d).items), enabled: !!enabled?.has("crm") });
  const [lines, setLines] = useState<{ product_id: string; quantity: string }[]>([{ product_id: "", quantity: "1" }]);
  const [customer, setCustomer] = useState("");
  const [shipping, setShipping] = useState("");
  const errors = useFormErrors();
  const form = useRef<HTMLFormElement>(null);
  const navigate = useNavigate();
  const client = useQueryClient();
  const create = useMutation({
    mutationFn: () =>
      api("/api/v1/erp/orders", {
        method: "POST",
        body: {
          ...(customer ? { customer_id: customer } : {}),
          ...(shipping ? { shipping_address: shipping } : {}),
          items: lines.filter((l) => l.product_id).map((l) => ({ product_id: l.product_id, quantity: Number(l.quantity) })),
        },
      }),
    onSuccess: (o) => {
      void client.invalidateQueries();
      navigate(`/erp/orders/${o.order_id}`);
    },
    onError: (e) => focusField(form.current, errors.show(e, ["customer_id", "shipping_address", "items"])),
  });
  const price = (id: string) => products.data?.find((p: Row) => p.product_id === id)?.unit_price;
  const total = lines.reduce((sum, l) => sum + (Number(price(l.product_id)) || 0) * (Number(l.quantity) || 0), 0);
  return (
    <RequireModule name="erp">
      <Page title="New order">
        {products.isPending ? (
          <Loading what="Loading products" />
        ) : products.data?.length === 0 ? (
          <Empty>
            Create a <Link to="/erp/products/new">product</Link> first.
          </Empty>
        ) : (
          <form
            ref={form}
            className="card"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              errors.clear();
              create.mutate();
            }}
          >
            <FormError message={errors.general} />
            {enabled?.has("crm") && (
              <Field label="Customer" name="customer_id" error={errors.fields.customer_id}>
                {(p) => (
                  <select {...p} value={customer} onChange={(e) => setCustomer(e.target.value)}>
                    <option value="">— no customer —</option>
                    {(customers.data ?? []).map((c: Row) => (
                      <option key={c.contact_id} value={c.contact_id}>
                        {c.first_name} {c.last_name} ({c.email})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
            <fieldset>
              <legend>Line items</legend>
              {errors.fields.items && (
                <p className="field-error" role="alert">
                  {errors.fields.items}
                </p>
              )}
              {lines.map((l, i) => (
                <div className="toolbar" key={i}>
                  <div className="field">
                    <label htmlFor={`line-product-${i}`}>Product, line {i + 1}</label>
                    <select id={`line-product-${i}`} name="items" value={l.product_id} onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, product_id: e.target.value } : x)))}>
                      <option value="">Choose a product…</option>
                      {(products.data ?? []).map((p: Row) => (
                        <option key={p.product_id} value={p.product_id}>
                          {p.name} ({p.sku}) — {money(p.unit_price)}, {p.stock_quantity} in stock
                        </option>
                      ))}
                    </select>
                  </div>
                  <div className="field">
                    <label htmlFor={`line-qty-${i}`}>Quantity, line {i + 1}</label>
                    <input id={`line-qty-${i}`} type="number" min={1} step={1} value={l.quantity} onChange={(e) => setLines(lines.map((x, j) => (j === i ? { ...x, quantity: e.target.value } : x)))} style={{ width: "7rem" }} />
                  </div>
                  {lines.length > 1 && (
                    <button type="button" onClick={() => setLines(lines.filter((_, j) => j !== i))} aria-label={`Remove line ${i + 1}`}>
                      Remove
                    </button>
                  )}
                </div>
              ))}
              <button type="button" onClick={() => setLines([...lines, { product_id: "", quantity: "1" }])}>
                Add a line
              </button>
            </fieldset>
            <Field label="Shipping address" name="shipping_address" error={errors.fields.shipping_address}>
              {(p) => <textarea {...p} value={shipping} onChange={(e) => setShipping(e.target.value)} />}
            </Field>
            <p>
              Estimated total: <strong>{money(total)}</strong> <span className="muted">(prices are taken from the products when the order is placed)</span>
            </p>
            <button type="submit" className="primary" disabled={create.isPending}>
              Place order
            </button>
          </form>
        )}
      </Page>
    </RequireModule>
  );
}

// ---------------- Studio ----------------

const CAMPAIGN_MOVES: Record<string, string[]> = {
  draft: ["scheduled", "active"],
  scheduled: ["active", "draft"],
  active: ["paused", "completed"],
  paused: ["active", "completed"],
};

function CampaignStatus({ campaign, path }: { campaign: Row; path: string }) {
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const move = useMutation({
    mutationFn: (status: string) => api(`${path}/status`, { method: "POST", body: { status } }),
    onSuccess: () => {
      setError(null);
      void client.invalidateQueries();
    },
    onError: (e) => setError((e as Error).message),
  });
  return (
    <>
      {(CAMPAIGN_MOVES[campaign.status] ?? []).map((s) => (
        <button key={s} type="button" disabled={move.isPending} onClick={() => move.mutate(s)}>
          Move to {humanize(s).toLowerCase()}
        </button>
      ))}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}

function CampaignExtras({ campaign }: { campaign: Row }) {
  const id = campaign.campaign_id;
  const { entity: content } = useEntity("studio", "content");
  const metrics = useQuery({ queryKey: ["metrics", id], queryFn: () => api<CampaignMetrics>(`/api/v1/studio/campaigns/${id}/metrics`) });
  const client = useQueryClient();
  const errors = useFormErrors();
  const form = useRef<HTMLFormElement>(null);
  const [m, setM] = useState({ metric: "impressions", value: "", recorded_at: new Date().toISOString().slice(0, 10) });
  const record = useMutation({
    mutationFn: () => api(`/api/v1/studio/campaigns/${id}/metrics`, { method: "POST", body: { metric: m.metric, value: m.value.trim() === "" ? null : Number(m.value), recorded_at: new Date(m.recorded_at).toISOString() } }),
    onSuccess: () => {
      errors.clear();
      setM({ ...m, value: "" });
      void client.invalidateQueries({ queryKey: ["metrics", id] });
    },
    onError: (e) => focusField(form.current, errors.show(e, ["metric", "value", "recorded_at"])),
  });
  const { canWrite } = useAuth();
  return (
    <>
      <section className="card" aria-labelledby="metrics-title">
        <h2 id="metrics-title" style={{ marginTop: 0 }}>
          Metrics
        </h2>
        <QueryState query={metrics} what="Loading metrics">
          {(d) => (
            <Suspense fallback={<Loading what="Loading chart" />}>
              <MetricsChart data={d} />
              {Object.keys(d.totals).length > 0 && (
                <dl className="record" style={{ marginTop: "0.75rem" }}>
                  {Object.entries(d.totals).map(([metric, t]) => (
                    <div key={metric} style={{ display: "contents" }}>
                      <dt>{humanize(metric)}</dt>
                      <dd>
                        {formatValue(t.sum)} <span className="muted">({t.count} recorded)</span>
                      </dd>
                    </div>
                  ))}
                  <dt>Cost per result ({humanize(d.result_metric).toLowerCase()})</dt>
                  <dd>{d.cost_per_result === null ? "— (needs spend and results)" : money(d.cost_per_result)}</dd>
                  <dt>ROI</dt>
                  <dd>{d.roi === null ? "— (needs spend and revenue)" : `${(d.roi * 100).toFixed(1)} %`}</dd>
                </dl>
              )}
            </Suspense>
          )}
        </QueryState>
        {canWrite && (
          <form
            ref={form}
            className="toolbar"
            style={{ marginTop: "1rem" }}
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              record.mutate();
            }}
          >
            <Field label="Metric" name="metric" error={errors.fields.metric}>
              {(p) => (
                <select {...p} value={m.metric} onChange={(e) => setM({ ...m, metric: e.target.value })}>
                  {["impressions", "clicks", "conversions", "spend", "revenue"].map((x) => (
                    <option key={x} value={x}>
                      {humanize(x)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Value" name="value" error={errors.fields.value}>
              {(p) => <input {...p} type="number" step="any" value={m.value} onChange={(e) => setM({ ...m, value: e.target.value })} />}
            </Field>
            <Field label="Day" name="recorded_at" error={errors.fields.recorded_at}>
              {(p) => <input {...p} type="date" value={m.recorded_at} onChange={(e) => setM({ ...m, recorded_at: e.target.value })} />}
            </Field>
            <button type="submit" disabled={record.isPending}>
              Record
            </button>
          </form>
        )}
        <FormError message={errors.general} />
      </section>
      {content && (
        <section className="card" aria-labelledby="content-title">
          <h2 id="content-title" style={{ marginTop: 0 }}>
            Content
          </h2>
          <RecordList path="/api/v1/studio/content" entity={content} extraQuery={{ campaign_id: id }} link={(r) => `/m/studio/content/${r[content.id_field]}`} />
          {canWrite && (
            <Link className="button" to="/m/studio/content/new">
              New content
            </Link>
          )}
        </section>
      )}
    </>
  );
}

export function Campaigns() {
  return <GenericList module="studio" entity="campaigns" base="/studio/campaigns" title="Campaigns" list={{ filters: [{ name: "status", label: "Status", choices: ["draft", "scheduled", "active", "paused", "completed"] }] }} />;
}

export function CampaignRecord(props: { edit?: boolean }) {
  return <GenericRecord {...props} module="studio" entity="campaigns" base="/studio/campaigns" title="Campaigns" actions={(r, path) => <CampaignStatus campaign={r} path={path} />} extra={(r) => <CampaignExtras campaign={r} />} />;
}

// ---------------- Support ----------------

function Sla({ t }: { t: Row }) {
  if (t.sla_breached === true) return <Badge value="SLA breached" tone="bad" />;
  const due = t.closed_at ? null : t.first_response_at ? t.resolution_due : (t.first_response_due ?? t.resolution_due);
  if (due) return <span className="badge ok" title={`Due ${formatValue(due)}`}>On time · due {formatValue(due)}</span>;
  return t.sla_breached === false ? <Badge value="On time" tone="ok" /> : null;
}

export function Tickets() {
  return (
    <GenericList
      module="support"
      entity="tickets"
      base="/support/tickets"
      title="Tickets"
      list={{
        columns: ["ticket_number", "subject", "priority", "status", "sla_breached"],
        labels: { sla_breached: "SLA" },
        render: { sla_breached: (t) => <Sla t={t} /> },
        filters: [
          { name: "status", label: "Status", choices: ["open", "in_progress", "waiting", "resolved", "closed"] },
          { name: "priority", label: "Priority", choices: ["low", "medium", "high", "urgent"] },
          { name: "sla_breached", label: "SLA", choices: ["true", "false"] },
        ],
      }}
    />
  );
}

function Messages({ ticket }: { ticket: Row }) {
  const path = `/api/v1/support/tickets/${ticket.ticket_id}/messages`;
  const messages = useQuery({ queryKey: [path], queryFn: () => api(path, { query: { limit: 200 } }).then((d) => asPage(d).items) });
  const client = useQueryClient();
  const [text, setText] = useState("");
  const [internal, setInternal] = useState(false);
  const errors = useFormErrors();
  const form = useRef<HTMLFormElement>(null);
  const { canWrite } = useAuth();
  const add = useMutation({
    mutationFn: () => api(path, { method: "POST", body: { message: text, is_internal: internal } }),
    onSuccess: () => {
      errors.clear();
      setText("");
      void client.invalidateQueries({ queryKey: [path] });
    },
    onError: (e) => focusField(form.current, errors.show(e, ["message", "is_internal"])),
  });
  return (
    <section className="card" aria-labelledby="messages-title">
      <h2 id="messages-title" style={{ marginTop: 0 }}>
        Conversation
      </h2>
      <QueryState query={messages} isEmpty={(d) => d.length === 0} empty="No messages yet.">
        {(items) => (
          <ol className="thread">
            {items.map((m: Row) => (
              <li key={m.message_id} className={m.is_internal ? "internal time-lapse-fade" : "time-lapse-fade"}>
                <div className="meta">
                  {m.is_internal ? <Badge value="Internal note" tone="warn" /> : <Badge value="To customer" tone="info" />}
                  <span>{formatValue(m.created_at)}</span>
                </div>
                <div style={{ whiteSpace: "pre-wrap" }}>{m.message}</div>
                {Array.isArray(m.attachments) && m.attachments.length > 0 && <div className="muted">Attachments: {m.attachments.map((a: Row) => a.name).join(", ")}</div>}
              </li>
            ))}
          </ol>
        )}
      </QueryState>
      {canWrite && (
        <form
          ref={form}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <FormError message={errors.general} />
          <Field label="Message" name="message" error={errors.fields.message}>
            {(p) => <textarea {...p} value={text} onChange={(e) => setText(e.target.value)} />}
          </Field>
          <div className="field check">
            <input id="is-internal" type="checkbox" checked={internal} onChange={(e) => setInternal(e.target.checked)} />
            <label htmlFor="is-internal">Internal note (not shown to the customer)</label>
          </div>
          <button type="submit" className="primary" disabled={add.isPending}>
            {internal ? "Add internal note" : "Send reply"}
          </button>
        </form>
      )}
    </section>
  );
}

export function TicketRecord(props: { edit?: boolean }) {
  return (
    <GenericRecord
      {...props}
      module="support"
      entity="tickets"
      base="/support/tickets"
      title="Tickets"
      extra={(t) => (
        <>
          <p>
            <Badge value={t.priority} /> <Badge value={t.status} /> <Sla t={t} />
          </p>
          <Messages ticket={t} />
        </>
      )}
    />
  );
}

/** The knowledge-base entity, whatever its manifest calls it: the one listed at `/kb`. */
function useKbEntity(): string | undefined | null {
  const catalog = useCatalog();
  const support = catalog.data?.items.find((m) => m.module_name === "support");
  if (!catalog.data) return undefined;
  return support?.entities.find((e) => ["kb", "kb_articles", "knowledge_base", "articles"].includes(e.name))?.name ?? null;
}

export function KnowledgeBase() {
  const entity = useKbEntity();
  if (entity === undefined) return <Loading />;
  if (entity === null)
    return (
      <RequireModule name="support">
        <Page title="Knowledge base">
          <Empty>This version of Support has no knowledge base.</Empty>
        </Page>
      </RequireModule>
    );
  return <GenericList module="support" entity={entity} apiPath="/api/v1/support/kb" base="/support/kb" title="Knowledge base" list={{ search: "q", columns: ["title", "category", "is_published", "view_count"] }} />;
}

export function KbRecord(props: { edit?: boolean }) {
  const entity = useKbEntity();
  if (!entity) return entity === undefined ? <Loading /> : <Empty>No knowledge base.</Empty>;
  return <GenericRecord {...props} module="support" entity={entity} apiPath="/api/v1/support/kb" base="/support/kb" title="Knowledge base" />;
}

export function KbNew() {
  const entity = useKbEntity();
  if (!entity) return entity === undefined ? <Loading /> : <Empty>No knowledge base.</Empty>;
  return <GenericNew module="support" entity={entity} apiPath="/api/v1/support/kb" base="/support/kb" title="Knowledge base" />;
}
