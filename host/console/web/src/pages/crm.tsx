import { useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, asPage, send } from "../api";
import { useAuth } from "../auth";
import { hasRoute, useEntity } from "../modules";
import { DeleteButton, RecordForm, RecordList, RecordView, editableFields } from "../entity";
import { Badge, Empty, ErrorState, Field, FormError, Loading, Page, QueryState, focusField, formatValue, humanize, money, useFormErrors } from "../ui";

const SORTS = [
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "last_name", label: "Last name A–Z" },
  { value: "-last_name", label: "Last name Z–A" },
  { value: "company", label: "Company" },
  { value: "status", label: "Status" },
];

function useContacts() {
  const e = useEntity("crm", "contacts");
  const state = e.pending ? <Loading /> : e.error ? <ErrorState error={e.error} /> : !e.entity ? <Empty>The CRM module has no contacts.</Empty> : null;
  return { ...e, state, fields: e.entity ? editableFields(e.entity).filter((f) => f.kind !== "json") : [] };
}

/** CRM's import report (`POST /contacts/import`): 201/200 `{imported, errors}`, or 422
 *  with the same two beside `error` when one invalid row refused the whole file. */
interface RowError {
  row: number;
  /** Null when the row itself is wrong (its number of cells). */
  field: string | null;
  message: string;
}
interface ImportReport {
  imported: number;
  errors: RowError[];
}

function ImportExport() {
  const [params] = useSearchParams();
  const client = useQueryClient();
  const file = useRef<HTMLInputElement>(null);
  const [partial, setPartial] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string; rows?: RowError[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const { canWrite } = useAuth();
  const doImport = async () => {
    const f = file.current?.files?.[0];
    if (!f) {
      setResult({ ok: false, text: "Choose a CSV file first." });
      return;
    }
    setBusy(true);
    setResult(null);
    try {
      const report = await api<ImportReport>("/api/v1/crm/contacts/import", { method: "POST", query: { partial: partial || undefined }, raw: { body: await f.text(), contentType: "text/csv" } });
      const refused = new Set(report.errors.map((e) => e.row)).size;
      setResult({ ok: refused === 0, text: `Imported ${report.imported} contact(s)${refused ? `; ${refused} row(s) refused` : ""}.`, rows: report.errors });
      if (report.imported > 0) void client.invalidateQueries();
    } catch (e) {
      const rows: RowError[] | undefined = e instanceof ApiError && Array.isArray(e.body?.errors) ? e.body.errors : undefined;
      const refused = new Set(rows?.map((r) => r.row)).size;
      const text = rows?.length
        ? `Nothing was imported: ${refused} row(s) are invalid. Correct them, or tick "Import the valid rows" to import the others.`
        : `The file was not imported: ${(e as Error).message}`;
      setResult({ ok: false, text, rows });
    } finally {
      setBusy(false);
    }
  };
  const doExport = async () => {
    setBusy(true);
    try {
      const query = Object.fromEntries([...params.entries()].filter(([k]) => k !== "page"));
      const response = await send("/api/v1/crm/contacts/export", { query });
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = "contacts.csv";
      a.click();
      // Revoked once the browser has taken the download.
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setResult({ ok: true, text: "Exported the listed contacts to contacts.csv." });
    } catch (e: any) {
      setResult({ ok: false, text: e.message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <details className="card">
      <summary>Import and export (CSV)</summary>
      <div className="toolbar" style={{ marginTop: "0.75rem" }}>
        {canWrite && (
          <>
            <div className="field">
              <label htmlFor="csv-file">CSV file (a header row of field names)</label>
              <input id="csv-file" type="file" accept=".csv,text/csv" ref={file} />
            </div>
            <div className="field check">
              <input id="csv-partial" type="checkbox" checked={partial} onChange={(e) => setPartial(e.target.checked)} />
              <label htmlFor="csv-partial">Import the valid rows even if some are not</label>
            </div>
            <button type="button" onClick={() => void doImport()} disabled={busy}>
              Import
            </button>
          </>
        )}
        <span className="spacer" />
        <button type="button" onClick={() => void doExport()} disabled={busy}>
          Export the list
        </button>
      </div>
      {result && (
        <div className={`notice ${result.ok ? "ok" : "error"}`} role={result.ok ? "status" : "alert"}>
          {result.text}
          {Array.isArray(result.rows) && result.rows.length > 0 && (
            <ul>
              {result.rows.slice(0, 50).map((r, i) => (
                <li key={i}>
                  Row {r.row}
                  {r.field ? `, ${r.field}` : ""}: {r.message}
                </li>
              ))}
              {result.rows.length > 50 && <li>… and {result.rows.length - 50} more.</li>}
            </ul>
          )}
        </div>
      )}
    </details>
  );
}

export function Contacts() {
  const { entity, state } = useContacts();
  const { canWrite } = useAuth();
  if (state || !entity) return <Page title="Contacts">{state}</Page>;
  const status = entity.fields.find((f) => f.name === "status");
  return (
    <Page
      title="Contacts"
      actions={
        canWrite && (
          <Link className="button primary" to="/crm/contacts/new">
            New contact
          </Link>
        )
      }
    >
      <ContactStats />
      <ImportExport />
      <RecordList
        path="/api/v1/crm/contacts"
        entity={entity}
        search="search"
        filters={status ? [{ name: "status", label: "Status", choices: status.choices }] : []}
        sorts={SORTS}
        columns={["last_name", "email", "company", "status", "created_at"]}
        render={{ last_name: (r) => `${r.first_name ?? ""} ${r.last_name ?? ""}`.trim() }}
        link={(r) => `/crm/contacts/${r.contact_id}`}
      />
    </Page>
  );
}

function ContactStats() {
  const { module } = useEntity("crm", "contacts");
  const available = hasRoute(module, "GET", "/contacts/stats");
  const stats = useQuery({ queryKey: ["crm-stats"], queryFn: () => api("/api/v1/crm/contacts/stats"), enabled: available });
  if (!available || !stats.data) return null;
  return (
    <div className="cards" style={{ marginBottom: "1rem" }}>
      {Object.entries(stats.data as Record<string, unknown>)
        .filter(([, v]) => typeof v === "number")
        .map(([k, v]) => (
          <div className="card" key={k} style={{ marginBottom: 0 }}>
            <div className="muted">{humanize(k)}</div>
            <div className="stat">{String(v)}</div>
          </div>
        ))}
    </div>
  );
}

export function ContactNew() {
  const { fields, state } = useContacts();
  const navigate = useNavigate();
  return (
    <Page title="New contact">
      {state ?? <RecordForm fields={fields} path="/api/v1/crm/contacts" method="POST" submitLabel="Create contact" onSaved={(r) => navigate(`/crm/contacts/${r.contact_id}`)} onCancel={() => navigate("/crm/contacts")} />}
    </Page>
  );
}

export function ContactEdit() {
  const { id = "" } = useParams();
  const { fields, state } = useContacts();
  const navigate = useNavigate();
  const contact = useQuery({ queryKey: ["contact", id], queryFn: () => api(`/api/v1/crm/contacts/${id}`) });
  return (
    <Page title="Edit contact">
      {state ?? (
        <QueryState query={contact}>
          {(c) => <RecordForm fields={fields} initial={c} path={`/api/v1/crm/contacts/${id}`} method="PATCH" submitLabel="Save" onSaved={() => navigate(`/crm/contacts/${id}`)} onCancel={() => navigate(`/crm/contacts/${id}`)} />}
        </QueryState>
      )}
    </Page>
  );
}

function Convert({ contact }: { contact: any }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const form = useRef<HTMLFormElement>(null);
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState({ name: `${contact.company || `${contact.first_name} ${contact.last_name}`} deal`, amount: "", close_date: "" });
  const errors = useFormErrors();
  const convert = useMutation({
    mutationFn: () =>
      api(`/api/v1/crm/contacts/${contact.contact_id}/convert`, {
        method: "POST",
        body: { name: values.name, ...(values.amount ? { amount: Number(values.amount) } : {}), ...(values.close_date ? { close_date: values.close_date } : {}) },
      }),
    onSuccess: () => {
      void client.invalidateQueries();
      navigate("/crm/opportunities");
    },
    onError: (e) => focusField(form.current, errors.show(e, ["name", "amount", "close_date"])),
  });
  if (!open)
    return (
      <button type="button" className="primary" onClick={() => setOpen(true)}>
        Convert to opportunity
      </button>
    );
  return (
    <form
      ref={form}
      className="card"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        errors.clear();
        convert.mutate();
      }}
      aria-label="Convert to opportunity"
    >
      <FormError message={errors.general} />
      <div className="form-grid">
        <Field label="Opportunity name (required)" name="name" error={errors.fields.name}>
          {(p) => <input {...p} required value={values.name} onChange={(e) => setValues({ ...values, name: e.target.value })} />}
        </Field>
        <Field label="Amount" name="amount" error={errors.fields.amount}>
          {(p) => <input {...p} type="number" min={0} step="any" value={values.amount} onChange={(e) => setValues({ ...values, amount: e.target.value })} />}
        </Field>
        <Field label="Expected close date" name="close_date" error={errors.fields.close_date}>
          {(p) => <input {...p} type="date" value={values.close_date} onChange={(e) => setValues({ ...values, close_date: e.target.value })} />}
        </Field>
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={convert.isPending}>
          Convert
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Customer360({ id }: { id: string }) {
  const view = useQuery({ queryKey: ["contact-360", id], queryFn: () => api(`/api/v1/crm/contacts/${id}/360`), retry: false });
  return (
    <section className="card" aria-labelledby="c360">
      <h2 id="c360" style={{ marginTop: 0 }}>
        360° view
      </h2>
      <QueryState query={view} what="Loading the 360° view">
        {(v: any) => {
          const entries = Object.entries(v ?? {}).filter(([k, x]) => k !== "contact" && (typeof x !== "object" || x === null));
          const nested = Object.entries(v ?? {}).filter(([k, x]) => k !== "contact" && x && typeof x === "object" && !Array.isArray(x));
          return (
            <dl className="record">
              {entries.map(([k, x]) => (
                <div key={k} style={{ display: "contents" }}>
                  <dt>{humanize(k)}</dt>
                  <dd>{k.includes("value") ? money(x) : formatValue(x)}</dd>
                </div>
              ))}
              {nested.flatMap(([group, obj]) =>
                Object.entries(obj as Record<string, unknown>).map(([k, x]) => (
                  <div key={`${group}.${k}`} style={{ display: "contents" }}>
                    <dt>
                      {humanize(group)}: {humanize(k)}
                    </dt>
                    <dd>{k.includes("value") ? money(x) : formatValue(x)}</dd>
                  </div>
                )),
              )}
            </dl>
          );
        }}
      </QueryState>
    </section>
  );
}

export function ContactDetail() {
  const { id = "" } = useParams();
  const { entity, module, state } = useContacts();
  const { canWrite } = useAuth();
  const contact = useQuery({ queryKey: ["contact", id], queryFn: () => api(`/api/v1/crm/contacts/${id}`) });
  if (state || !entity) return <Page title="Contact">{state}</Page>;
  return (
    <QueryState query={contact}>
      {(c: any) => (
        <Page
          title={`${c.first_name} ${c.last_name}`}
          actions={
            canWrite && (
              <>
                {hasRoute(module, "POST", "/contacts/{contact_id}/convert") && c.status !== "converted" && <Convert contact={c} />}
                <Link className="button" to={`/crm/contacts/${id}/edit`}>
                  Edit
                </Link>
                <DeleteButton path={`/api/v1/crm/contacts/${id}`} what="contact" after="/crm/contacts" />
              </>
            )
          }
        >
          <p>
            <Link to="/crm/contacts">← All contacts</Link> <Badge value={c.status} />
          </p>
          <div className="card">
            <RecordView entity={entity} record={c} skip={["metadata"]} />
          </div>
          {hasRoute(module, "GET", "/contacts/{contact_id}/360") ? <Customer360 id={id} /> : <Empty>The 360° view is not available on this version of CRM.</Empty>}
        </Page>
      )}
    </QueryState>
  );
}

const PIPELINE = ["prospecting", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"];

export function Opportunities() {
  const { entity, module } = useEntity("crm", "opportunities");
  const stages = entity?.fields.find((f) => f.name === "stage")?.choices.length ? entity.fields.find((f) => f.name === "stage")!.choices : PIPELINE;
  const client = useQueryClient();
  const list = useQuery({ queryKey: ["opportunities"], queryFn: () => api("/api/v1/crm/opportunities", { query: { limit: 200 } }).then((d) => asPage(d).items) });
  const pipeline = useQuery({ queryKey: ["pipeline"], queryFn: () => api("/api/v1/crm/opportunities/pipeline"), enabled: hasRoute(module, "GET", "/opportunities/pipeline") });
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState<string | null>(null);
  const [announce, setAnnounce] = useState("");
  const { canWrite } = useAuth();
  const move = useMutation({
    mutationFn: ({ id, stage }: { id: string; stage: string }) => api(`/api/v1/crm/opportunities/${id}`, { method: "PATCH", body: { stage } }),
    onMutate: async ({ id, stage }) => {
      setError(null);
      await client.cancelQueries({ queryKey: ["opportunities"] });
      const previous = client.getQueryData<any[]>(["opportunities"]);
      client.setQueryData<any[]>(["opportunities"], (old) => old?.map((o) => (o.opportunity_id === id ? { ...o, stage } : o)));
      return { previous };
    },
    onError: (e, _v, ctx) => {
      client.setQueryData(["opportunities"], ctx?.previous);
      setError((e as Error).message);
    },
    onSuccess: (_d, { stage }) => setAnnounce(`Moved to ${humanize(stage)}.`),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ["opportunities"] });
      void client.invalidateQueries({ queryKey: ["pipeline"] });
    },
  });
  const summary = (stage: string) => {
    const rows = Array.isArray(pipeline.data) ? pipeline.data : (pipeline.data as any)?.stages ?? (pipeline.data as any)?.items ?? [];
    return rows.find((r: any) => r.stage === stage);
  };
  return (
    <Page title="Opportunities">
      {error && (
        <div className="notice error" role="alert">
          {error}
        </div>
      )}
      <p className="sr-only" aria-live="polite">
        {announce}
      </p>
      <p className="muted">Drag a card to another stage, or choose its stage from the list on the card.</p>
      <QueryState query={list} isEmpty={(d) => d.length === 0} empty={<>No opportunities yet. Convert a contact from its page to create one.</>}>
        {(items) => (
          <div className="kanban" role="list" aria-label="Pipeline">
            {stages.map((stage) => {
              const cards = items.filter((o: any) => o.stage === stage);
              const s = summary(stage);
              return (
                <div
                  key={stage}
                  role="listitem"
                  aria-labelledby={`stage-${stage}`}
                  className={`column${over === stage ? " drop" : ""}`}
                  data-stage={stage}
                  onDragOver={(e) => {
                    e.preventDefault();
                    setOver(stage);
                  }}
                  onDragLeave={() => setOver(null)}
                  onDrop={(e) => {
                    e.preventDefault();
                    setOver(null);
                    const id = e.dataTransfer.getData("text/plain");
                    if (id) move.mutate({ id, stage });
                  }}
                >
                  <h2 id={`stage-${stage}`}>
                    <span>{humanize(stage)}</span> <span className="muted">{cards.length}</span>
                  </h2>
                  {s && (
                    <p className="muted" style={{ fontSize: "0.8rem", marginTop: 0 }}>
                      {money(s.amount ?? s.total_amount ?? s.sum_amount)} · weighted {money(s.weighted ?? s.weighted_amount ?? s.sum_weighted)}
                    </p>
                  )}
                  {cards.map((o: any) => (
                    <article key={o.opportunity_id} className="deal time-lapse-fade" draggable={canWrite} onDragStart={(e) => e.dataTransfer.setData("text/plain", o.opportunity_id)} aria-label={o.name}>
                      <strong>{o.name}</strong>
                      <div className="muted">
                        {money(o.amount)} {o.probability !== undefined && o.probability !== null ? `· ${o.probability}%` : ""}
                      </div>
                      {canWrite && (
                        <>
                          <label className="sr-only" htmlFor={`stage-of-${o.opportunity_id}`}>
                            Stage of {o.name}
                          </label>
                          <select id={`stage-of-${o.opportunity_id}`} value={o.stage} onChange={(e) => move.mutate({ id: o.opportunity_id, stage: e.target.value })}>
                            {stages.map((st) => (
                              <option key={st} value={st}>
                                {humanize(st)}
                              </option>
                            ))}
                          </select>
                        </>
                      )}
                    </article>
                  ))}
                </div>
              );
            })}
          </div>
        )}
      </QueryState>
    </Page>
  );
}
