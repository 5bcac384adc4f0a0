// Pages built from a manifest's entity metadata (fields with kind, label, required,
// choices, max_length): a list, a record and a form. Third-party modules get these with
// no UI code of their own; the built-in modules' pages are these plus their extras.
import { useRef, useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, asPage, type ListPage } from "./api";
import { useAuth } from "./auth";
import { type EntityDef, type FieldDef, type ModuleInfo, hasRoute, listPath, useEntity, RequireModule } from "./modules";
import { Badge, Empty, ErrorState, Field, FormError, Loading, Page, Pagination, QueryState, focusField, formatValue, humanize, useFormErrors } from "./ui";

type Row = Record<string, any>;

/** Fields people fill in: not the id, not host-maintained timestamps. */
export function editableFields(entity: EntityDef): FieldDef[] {
  return entity.fields.filter((f) => f.name !== entity.id_field && !MAINTAINED.has(f.name));
}

/** Fields the host or the built-in modules maintain themselves (manifests do not say
 *  which fields are read-only): shown on records, never in forms. */
const MAINTAINED = new Set([
  "created_at", "updated_at", "tenant_id", "created_by", "metadata",
  "lifetime_value", "last_order_date", "needs_reorder", "order_number", "order_date", "total_amount",
  "ticket_number", "closed_at", "first_response_at", "resolution_hours", "first_response_due", "resolution_due",
  "first_response_breached", "resolution_breached", "sla_breached", "view_count", "converted_at",
]);

export function fieldLabel(f: FieldDef): string {
  return f.label && f.label !== f.name ? f.label : humanize(f.name);
}

const USER_FIELDS = /^(assigned_to|owner_id|owner|assignee|assigned_user_id|user_id)$/;

function UserSelect(props: { id: string; name: string; value: string; onChange: (v: string) => void; required: boolean; "aria-invalid": boolean; "aria-describedby"?: string }) {
  const users = useQuery({ queryKey: ["users", "all"], queryFn: () => api("/api/v1/users", { query: { limit: 200 } }).then((p) => asPage(p).items) });
  const { onChange, value, ...rest } = props;
  return (
    <select {...rest} value={value} onChange={(e) => onChange(e.target.value)} disabled={users.isPending}>
      <option value="">{users.isPending ? "Loading users…" : "— nobody —"}</option>
      {(users.data ?? []).map((u: Row) => (
        <option key={u.user_id} value={u.user_id}>
          {[u.first_name, u.last_name].filter(Boolean).join(" ") || u.email}
        </option>
      ))}
    </select>
  );
}

function toInput(f: FieldDef, value: unknown): string | boolean {
  if (f.kind === "boolean") return value === true || value === "true";
  if (value === null || value === undefined) return "";
  if (f.kind === "json") return JSON.stringify(value, null, 2);
  if (f.kind === "timestamp") {
    const d = new Date(String(value));
    if (Number.isNaN(d.getTime())) return "";
    const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
    return local.toISOString().slice(0, 16);
  }
  if (f.kind === "date") return String(value).slice(0, 10);
  return String(value);
}

/** The JSON value of an input, or throws a message for the field. */
function fromInput(f: FieldDef, value: string | boolean): unknown {
  if (f.kind === "boolean") return value === true;
  const s = String(value).trim();
  if (s === "") return null;
  switch (f.kind) {
    case "integer": {
      const n = Number(s);
      if (!Number.isInteger(n)) throw new Error("must be a whole number");
      return n;
    }
    case "decimal": {
      const n = Number(s);
      if (Number.isNaN(n)) throw new Error("must be a number");
      return n;
    }
    case "timestamp":
      return new Date(s).toISOString();
    case "json":
      try {
        return JSON.parse(s);
      } catch {
        throw new Error("must be valid JSON");
      }
    default:
      return s;
  }
}

function defaultValue(f: FieldDef): unknown {
  if (f.default_value === null) return undefined;
  try {
    return JSON.parse(f.default_value);
  } catch {
    return f.default_value;
  }
}

export function FieldInput({ f, value, onChange, error }: { f: FieldDef; value: string | boolean; onChange: (v: string | boolean) => void; error?: string }) {
  const label = fieldLabel(f) + (f.required ? " (required)" : "");
  if (f.kind === "boolean") {
    return (
      <div className="field check">
        <input type="checkbox" id={`f-${f.name}`} name={f.name} checked={value === true} onChange={(e) => onChange(e.target.checked)} aria-invalid={!!error} />
        <label htmlFor={`f-${f.name}`}>{fieldLabel(f)}</label>
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
      </div>
    );
  }
  const hint = f.max_length ? `At most ${f.max_length} characters.` : f.kind === "json" ? "JSON" : undefined;
  return (
    <Field label={label} name={f.name} error={error} hint={f.kind === "text" && !f.choices.length ? hint : f.kind === "json" ? hint : undefined}>
      {(p) => {
        const common = { ...p, required: f.required, value: String(value) };
        if (f.choices.length) {
          return (
            <select {...common} onChange={(e) => onChange(e.target.value)}>
              {!f.required && <option value="">—</option>}
              {f.required && String(value) === "" && <option value="">Choose…</option>}
              {f.choices.map((c) => (
                <option key={c} value={c}>
                  {humanize(c)}
                </option>
              ))}
            </select>
          );
        }
        if (f.kind === "uuid" && USER_FIELDS.test(f.name)) {
          return <UserSelect {...p} required={f.required} value={String(value)} onChange={onChange} />;
        }
        if (f.kind === "json") return <textarea {...common} onChange={(e) => onChange(e.target.value)} />;
        const type = { integer: "number", decimal: "number", date: "date", timestamp: "datetime-local" }[f.kind as string] ?? (f.name.includes("email") ? "email" : "text");
        return (
          <input
            {...common}
            type={type}
            step={f.kind === "decimal" ? "any" : f.kind === "integer" ? 1 : undefined}
            maxLength={f.max_length ?? undefined}
            onChange={(e) => onChange(e.target.value)}
          />
        );
      }}
    </Field>
  );
}

/** A create (POST `path`) or edit (PATCH `path`) form for `fields`; `onSaved` gets the record. */
export function RecordForm({
  fields,
  initial,
  path,
  method,
  submitLabel,
  onSaved,
  onCancel,
}: {
  fields: FieldDef[];
  initial?: Row;
  path: string;
  method: "POST" | "PATCH";
  submitLabel: string;
  onSaved: (record: Row) => void;
  onCancel?: () => void;
}) {
  const start = () => Object.fromEntries(fields.map((f) => [f.name, toInput(f, initial ? initial[f.name] : defaultValue(f))]));
  const [values, setValues] = useState<Record<string, string | boolean>>(start);
  const errors = useFormErrors();
  const form = useRef<HTMLFormElement>(null);
  const client = useQueryClient();
  const save = useMutation({
    mutationFn: (body: Row) => api(path, { method, body }),
    onSuccess: (record) => {
      void client.invalidateQueries();
      onSaved(record);
    },
    onError: (e) => focusField(form.current, errors.show(e, fields.map((f) => f.name))),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    errors.clear();
    const body: Row = {};
    const original = start();
    for (const f of fields) {
      let value: unknown;
      try {
        value = fromInput(f, values[f.name]);
      } catch (e) {
        focusField(form.current, errors.show(new ApiError(422, "validation_error", `${fieldLabel(f)} ${(e as Error).message}`, f.name)));
        return;
      }
      // Only what the user set: the server applies its own defaults.
      if (values[f.name] !== original[f.name] || (method === "POST" && f.required)) {
        if (method === "PATCH" || value !== null) body[f.name] = value;
      }
    }
    save.mutate(body);
  };
  return (
    <form ref={form} onSubmit={submit} noValidate className="card">
      <FormError message={errors.general} />
      <div className="form-grid">
        {fields.map((f) => (
          <FieldInput key={f.name} f={f} value={values[f.name]} error={errors.fields[f.name]} onChange={(v) => setValues((old) => ({ ...old, [f.name]: v }))} />
        ))}
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

export interface ListFilter {
  name: string;
  label: string;
  choices: string[];
}

/** A paginated list of `path` with optional search, filters and sort, state in the URL. */
export function RecordList({
  path,
  entity,
  columns,
  search,
  filters = [],
  sorts = [],
  link,
  render = {},
  labels = {},
  extraQuery,
}: {
  path: string;
  entity: EntityDef;
  columns?: string[];
  search?: string;
  filters?: ListFilter[];
  sorts?: { value: string; label: string }[];
  link: (row: Row) => string;
  render?: Record<string, (row: Row) => ReactNode>;
  labels?: Record<string, string>;
  extraQuery?: Record<string, string>;
}) {
  const [params, setParams] = useSearchParams();
  const page = Number(params.get("page") ?? 1) || 1;
  const limit = 25;
  const query: Record<string, string | number> = { page, limit, ...extraQuery };
  for (const key of [search, ...filters.map((f) => f.name), "sort"]) {
    const v = key && params.get(key);
    if (key && v) query[key] = v;
  }
  const list = useQuery({ queryKey: [path, query], queryFn: () => api(path, { query }).then((v) => asPage(v, page, limit)), placeholderData: (prev) => prev });
  const shown = columns ?? editableFields(entity).filter((f) => f.kind !== "json").slice(0, 5).map((f) => f.name);
  const byName = Object.fromEntries(entity.fields.map((f) => [f.name, f]));
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== "page") next.delete("page");
    setParams(next, { replace: true });
  };
  const [term, setTerm] = useState(search ? params.get(search) ?? "" : "");
  const filtered = [search, ...filters.map((f) => f.name)].some((key) => key && params.get(key));
  return (
    <>
      {(search || filters.length > 0 || sorts.length > 0) && (
        <form
          className="toolbar"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (search) set(search, term.trim());
          }}
        >
          {search && (
            <div className="field">
              <label htmlFor="list-search">Search</label>
              <input id="list-search" type="search" value={term} onChange={(e) => setTerm(e.target.value)} placeholder="Name, e-mail…" />
            </div>
          )}
          {search && <button type="submit">Search</button>}
          {filters.map((f) => (
            <div className="field" key={f.name}>
              <label htmlFor={`filter-${f.name}`}>{f.label}</label>
              <select id={`filter-${f.name}`} value={params.get(f.name) ?? ""} onChange={(e) => set(f.name, e.target.value)}>
                <option value="">All</option>
                {f.choices.map((c) => (
                  <option key={c} value={c}>
                    {humanize(c)}
                  </option>
                ))}
              </select>
            </div>
          ))}
          {sorts.length > 0 && (
            <div className="field">
              <label htmlFor="list-sort">Sort by</label>
              <select id="list-sort" value={params.get("sort") ?? ""} onChange={(e) => set("sort", e.target.value)}>
                {sorts.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </div>
          )}
        </form>
      )}
      <QueryState query={list} isEmpty={(d: ListPage) => d.items.length === 0} empty={filtered ? "Nothing matches." : `No ${entity.label.toLowerCase() || entity.name} yet.`}>
        {(data) => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="sr-only">{entity.label || entity.name}</caption>
                <thead>
                  <tr>
                    {shown.map((c) => (
                      <th key={c} scope="col">
                        {labels[c] ?? (byName[c] ? fieldLabel(byName[c]) : humanize(c))}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((row, i) => (
                    <tr key={String(row[entity.id_field] ?? i)}>
                      {shown.map((c, j) => {
                        const content = render[c] ? render[c](row) : byName[c]?.choices.length ? <Badge value={row[c]} /> : formatValue(row[c]);
                        return <td key={c}>{j === 0 ? <Link to={link(row)}>{content === "—" ? "(open)" : content}</Link> : content}</td>;
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination page={data.page} limit={data.limit} total={data.total} onPage={(p) => set("page", String(p))} />
          </>
        )}
      </QueryState>
    </>
  );
}

export function RecordView({ entity, record, skip = [] }: { entity: EntityDef; record: Row; skip?: string[] }) {
  const known = new Set(entity.fields.map((f) => f.name));
  const rest = Object.keys(record).filter((k) => !known.has(k) && !skip.includes(k));
  return (
    <dl className="record">
      {entity.fields
        .filter((f) => !skip.includes(f.name))
        .map((f) => (
          <div key={f.name} style={{ display: "contents" }}>
            <dt>{fieldLabel(f)}</dt>
            <dd>{f.choices.length ? <Badge value={record[f.name]} /> : formatValue(record[f.name])}</dd>
          </div>
        ))}
      {rest.map((k) => (
        <div key={k} style={{ display: "contents" }}>
          <dt>{humanize(k)}</dt>
          <dd>{formatValue(record[k])}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Deletes after a confirmation; then goes to `after`. */
export function DeleteButton({ path, what, after }: { path: string; what: string; after: string }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: () => api(path, { method: "DELETE" }),
    onSuccess: () => {
      void client.invalidateQueries();
      navigate(after);
    },
    onError: (e) => setError((e as Error).message),
  });
  return (
    <>
      <button type="button" className="danger" disabled={remove.isPending} onClick={() => window.confirm(`Delete this ${what}? This cannot be undone.`) && remove.mutate()}>
        Delete
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}

// ---- Generic pages: /m/:module/:entity[/new | /:id | /:id/edit], and the built-in
// modules' pages that are these with a few extras. ----

export interface GenericProps {
  module?: string;
  entity?: string;
  /** The console path of the list (default `/m/<module>/<entity>`). */
  base?: string;
  title?: string;
  list?: Partial<Parameters<typeof RecordList>[0]>;
  /** More to show under a record. */
  extra?: (record: Row, path: string) => ReactNode;
  /** More actions on a record. */
  actions?: (record: Row, path: string) => ReactNode;
  /** The API path of the list, when it is not the manifest's `GET /<entity>`. */
  apiPath?: string;
  /** The console path of the create page (default `<base>/new`). */
  newPath?: string;
  /** Fields of the record not to list (shown by `extra`). */
  skip?: string[];
}

function useGeneric(props: GenericProps): { module?: ModuleInfo; entity?: EntityDef; path?: string; base: string; title: string; state?: ReactNode } {
  const params = useParams();
  const m = props.module ?? params.module ?? "";
  const e = props.entity ?? params.entity ?? "";
  const { module, entity, pending, error } = useEntity(m, e);
  const base = props.base ?? `/m/${m}/${e}`;
  const title = props.title ?? (entity?.label || humanize(e));
  if (pending) return { base, title, state: <Loading /> };
  if (error) return { base, title, state: <ErrorState error={error} /> };
  const path = module && entity ? (props.apiPath ?? listPath(module, entity)) : undefined;
  if (!module || !entity || !path) return { base, title, state: <Page title="Not found"><Empty>This module has no such list.</Empty></Page> };
  return { module, entity, path, base, title };
}

function Gate({ props, children }: { props: GenericProps; children: ReactNode }) {
  const params = useParams();
  return <RequireModule name={props.module ?? params.module ?? ""}>{children}</RequireModule>;
}

export function GenericList(props: GenericProps) {
  return (
    <Gate props={props}>
      <GenericListInner {...props} />
    </Gate>
  );
}

function GenericListInner(props: GenericProps) {
  const { module, entity, path, base, title, state } = useGeneric(props);
  const { canWrite } = useAuth();
  if (state || !module || !entity || !path) return <>{state}</>;
  return (
    <Page
      title={title}
      actions={
        canWrite && (
          <Link className="button primary" to={props.newPath ?? `${base}/new`}>
            New
          </Link>
        )
      }
    >
      {!props.base && <p className="muted">{module.description}</p>}
      <RecordList path={path} entity={entity} link={(row) => `${base}/${row[entity.id_field]}`} {...props.list} />
    </Page>
  );
}

export function GenericNew(props: GenericProps) {
  return (
    <Gate props={props}>
      <GenericNewInner {...props} />
    </Gate>
  );
}

function GenericNewInner(props: GenericProps) {
  const { entity, path, base, title, state } = useGeneric(props);
  const navigate = useNavigate();
  if (state || !entity || !path) return <>{state}</>;
  return (
    <Page title={`New — ${title}`}>
      <RecordForm
        fields={editableFields(entity)}
        path={path}
        method="POST"
        submitLabel="Create"
        onSaved={(r) => navigate(r?.[entity.id_field] ? `${base}/${r[entity.id_field]}` : base)}
        onCancel={() => navigate(base)}
      />
    </Page>
  );
}

export function GenericRecord(props: GenericProps & { edit?: boolean }) {
  return (
    <Gate props={props}>
      <GenericRecordInner {...props} />
    </Gate>
  );
}

function GenericRecordInner(props: GenericProps & { edit?: boolean }) {
  const { module, entity, path, base, title, state } = useGeneric(props);
  const { id = "" } = useParams();
  const { canWrite } = useAuth();
  const navigate = useNavigate();
  const recordPath = `${path}/${encodeURIComponent(id)}`;
  const record = useQuery({ queryKey: [recordPath], queryFn: () => api(recordPath), enabled: !!path });
  if (state || !module || !entity || !path) return <>{state}</>;
  const routePath = `${path.slice(`/api/v1/${module.module_name}`.length)}/{${entity.id_field}}`;
  const canEdit = hasRoute(module, "PATCH", routePath);
  const canDelete = hasRoute(module, "DELETE", routePath);
  return (
    <QueryState query={record}>
      {(r: Row) =>
        props.edit ? (
          <Page title={`Edit — ${title}`}>
            <RecordForm fields={editableFields(entity)} initial={r} path={recordPath} method="PATCH" submitLabel="Save" onSaved={() => navigate(`${base}/${id}`)} onCancel={() => navigate(`${base}/${id}`)} />
          </Page>
        ) : (
          <Page
            title={String(r.name ?? r.title ?? r.subject ?? r.order_number ?? r.ticket_number ?? title)}
            actions={
              canWrite && (
                <>
                  {props.actions?.(r, recordPath)}
                  {canEdit && (
                    <Link className="button" to={`${base}/${id}/edit`}>
                      Edit
                    </Link>
                  )}
                  {canDelete && <DeleteButton path={recordPath} what={entity.name} after={base} />}
                </>
              )
            }
          >
            <p>
              <Link to={base}>← All {title.toLowerCase()}</Link>
            </p>
            <div className="card">
              <RecordView entity={entity} record={r} skip={props.skip} />
            </div>
            {props.extra?.(r, recordPath)}
          </Page>
        )
      }
    </QueryState>
  );
}
